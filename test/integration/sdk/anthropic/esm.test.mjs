// The ESM build of anthropic, patched through the import-in-the-middle loader in a child process started
// with --import (the test: ../esm/esm-test.mjs, shared with the other Stainless-generated SDKs).
import { esmTest } from '../esm/esm-test.mjs';

esmTest('anthropic', { items: 7, outcome: 'completed' });
