#!/usr/bin/env node
// The CLI runs the project's TypeScript sources directly (tsx), so the CLI, the server and the browser
// share one implementation of the isomorphic core without a separate Node build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli.ts');
process.exitCode = await main(process.argv.slice(2));
