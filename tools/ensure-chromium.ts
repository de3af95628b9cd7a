/**
 * The end-to-end tests drive Debian's Chromium (never a downloaded browser build), with Noto fonts so
 * Hindi renders in the screenshots. Installs them when missing and this user can; otherwise says how.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FONT = '/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf';

if (!existsSync(CHROMIUM) || !existsSync(FONT)) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(
      `Chromium (${CHROMIUM}) or the Noto fonts are missing. Install Debian's packages as root:\n` +
        '  apt-get update && apt-get install -y chromium fonts-noto-core\n' +
        'or set CHROMIUM_PATH to a Chromium binary, then run the tests again.',
    );
    process.exit(1);
  }
  console.log('Installing Debian chromium and fonts-noto-core for the end-to-end tests (about a minute)…');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null'], {
    stdio: 'inherit',
  });
}
console.log(`chromium: ${execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).trim()}`);
