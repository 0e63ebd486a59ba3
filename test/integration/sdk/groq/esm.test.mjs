// The ESM build of groq, patched through the import-in-the-middle loader in a child process started
// with --import (the test: ../esm/esm-test.mjs, shared with the other Stainless-generated SDKs).
import { esmTest } from '../esm/esm-test.mjs';

esmTest('groq', { items: 3, outcome: 'truncated' });
