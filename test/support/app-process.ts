// One process of a learner's app, for tests that run several (the capstone):
//   WORKSHOP_APP_OPTIONS='{...}' node --import tsx test/support/app-process.ts <server.ts> [port]
// It serves createApp(options) on 127.0.0.1 (port 0 unless given: npm run
// demo:cluster gives consecutive ones) and reports the port over IPC. The
// options come in the environment, not the arguments: they can hold a token
// secret, and any user of the machine can read a process's arguments. It
// installs no handler for uncaught errors: a process that the learner's code
// crashes dies, and the test sees it die.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

const [file, port] = process.argv.slice(2);
const optionsJson = process.env.WORKSHOP_APP_OPTIONS;
// The learner's code has no use for it.
delete process.env.WORKSHOP_APP_OPTIONS;

function report(message: unknown): void {
  process.send?.(message);
}

try {
  const mod = (await import(pathToFileURL(file!).href)) as Record<string, unknown>;
  if (typeof mod.createApp !== 'function') throw Object.assign(new Error('the module has no exported function createApp'), { name: 'NoCreateApp' });
  const options = optionsJson && optionsJson !== '{}' ? (JSON.parse(optionsJson) as Record<string, unknown>) : undefined;
  const app = await (mod.createApp as (o: unknown) => unknown)(options);
  if (typeof app !== 'function') throw Object.assign(new Error(`createApp() returned ${typeof app}, not an Express app`), { name: 'NotAnApp' });
  const server = http.createServer(app as http.RequestListener);
  server.once('error', (error) => {
    report({ failed: { name: error.name, message: error.message } });
    process.exit(1);
  });
  server.listen(Number(port ?? 0), '127.0.0.1', () => report({ port: (server.address() as AddressInfo).port }));
} catch (error) {
  const { name, message, stack } = error instanceof Error ? error : { name: 'Error', message: String(error), stack: undefined };
  report({ failed: { name, message, stack } });
  process.exitCode = 1;
  process.disconnect?.();
}

// When the test run goes away, so do we: also when it went away while this
// process was still starting, before the listener existed.
process.on('disconnect', () => process.exit(0));
if (!process.connected) process.exit();
