#!/usr/bin/env node
// The `xray` command. A committed shim (not the compiled file itself) so that
// npm links the bin at install time, before the TypeScript build has run.
import '../dist/cli/main.js';
