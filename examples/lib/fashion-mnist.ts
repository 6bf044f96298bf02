// Where the Fashion-MNIST files are: $NN_FASHION_MNIST, the workspace's ../shared/datasets, or
// Debian's dataset-fashion-mnist package. The data are not in this repository.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const candidates = [
  process.env.NN_FASHION_MNIST,
  fileURLToPath(new URL('../../../shared/datasets/fashion-mnist', import.meta.url)),
  '/usr/share/datasets/fashion-mnist',
];

/** The first folder that holds the test images, or null. */
export function findFashionMnist(): string | null {
  for (const dir of candidates) {
    if (dir !== undefined && ['', '.gz'].some((ext) => existsSync(`${dir}/t10k-images-idx3-ubyte${ext}`))) return dir;
  }
  return null;
}

export const FASHION_MNIST_HINT =
  'Fashion-MNIST not found: set NN_FASHION_MNIST to a folder with the four IDX files (.gz is fine), ' +
  'or on Debian `apt-get install dataset-fashion-mnist` (installs /usr/share/datasets/fashion-mnist).';

/** The ten class names, in label order. */
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
