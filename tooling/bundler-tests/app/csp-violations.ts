/**
 * Records the page's Content-Security-Policy violations from the start: the CSP app imports this
 * module first, so its listener is in place before any other module runs (inline scripts, which
 * could register it earlier, are themselves forbidden by the policy under test).
 */
export interface Violation {
  directive: string;
  blockedURI: string;
}

export const violations: Violation[] = [];

document.addEventListener('securitypolicyviolation', (e) => {
  violations.push({ directive: e.effectiveDirective, blockedURI: e.blockedURI });
});
