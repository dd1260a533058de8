// The entry of the commands that run vitest in their own process: npm test and
// npm run watch (package.json: `node tools/vitest-command.mjs test`).
//
// Plain JavaScript on purpose. Under a TypeScript loader installed for the whole
// process (`node --import tsx`), importing vitest takes one to two seconds longer
// on Node 20: every one of its modules passes through the loader's hooks. So the
// command's own TypeScript (tools/test.ts, tools/watch.ts) is loaded with tsx's
// tsImport, whose hooks only see that command's files; it parses the arguments
// (a wrong one ends there, with its one-line error) and says how to start vitest.
// vitest itself is then imported by Node directly, in this same process.
import { tsImport } from 'tsx/esm/api';

const [command, ...argv] = process.argv.slice(2);
/** @type {{ vitestRun(argv: string[]): Promise<{ mode: 'test', filters: string[], options: object, viteOverrides?: object }> }} */
const { vitestRun } = await tsImport(`./${command}.ts`, import.meta.url);
const run = await vitestRun(argv);
const { startVitest } = await import('vitest/node');
const vitest = await startVitest(run.mode, run.filters, run.options, run.viteOverrides);
// As vitest's own command line does after a single run: close, and end the
// process even if something in it still holds the event loop.
if (!vitest.shouldKeepServer()) await vitest.exit();
