// Tests of what root does (chown, files other users cannot write) run as root; off CI, a developer
// who is not root skips them, and on CI (which runs as root) a missing root is a failure, not a skip.

export const IS_ROOT = process.getuid?.() === 0;
export const SKIP_UNLESS_ROOT = !IS_ROOT && process.env.CI !== 'true';
