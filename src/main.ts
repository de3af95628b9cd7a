/** App entry: resolves configuration, starts the workers, wires the conversation loop to the screen. */
import './app/styles.css';
import { startApp } from './app/app.ts';

const mount = document.getElementById('app');
if (mount) {
  startApp(mount).catch((e: unknown) => {
    mount.textContent = `The assistant could not start: ${(e as Error).message}. Reload the page; if it keeps happening, ask IT for help.`;
    mount.className = 'fatal';
  });
}
