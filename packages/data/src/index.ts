/**
 * @nn/data: datasets, DataLoader, random splits, feature scaling, image transforms, seeded synthetic datasets, and
 * CSV / IDX (MNIST) readers, with PyTorch's names (torch.utils.data).
 */
export { type Dataset, TensorDataset, Subset, ConcatDataset, randomSplit, splitLengths, type RandomSplitOptions } from './dataset.js';
export { DataLoader, type DataLoaderOptions } from './loader.js';
export { defaultCollate, disposeBatch, type Collated } from './collate.js';
export { Standardize, standardize, MinMaxScale, normalize, oneHot, type FitOptions } from './transforms.js';
export {
  RandomCrop,
  RandomHorizontalFlip,
  RandomVerticalFlip,
  CenterCrop,
  Normalize,
  Compose,
  type Transform,
  type TransformLike,
  type RandomTransformOptions,
  type RandomCropOptions,
  type PaddingMode,
} from './image-transforms.js';
export {
  makeRegression,
  makeGaussians,
  makeXor,
  makeCircles,
  makeSpiral,
  makeMoons,
  type SyntheticOptions,
  type SyntheticData,
  type RegressionOptions,
  type GaussiansOptions,
  type CirclesOptions,
  type SpiralOptions,
} from './synthetic.js';
export { readCsv, parseCsv, type CsvOptions, type CsvData, type CsvSource } from './csv.js';
export { readIdx, parseIdx, loadMnistLike, type IdxOptions, type MnistLikeOptions, type MnistLike } from './idx.js';
export { DataFormatError, DataSourceError, type ByteSource } from './source.js';
