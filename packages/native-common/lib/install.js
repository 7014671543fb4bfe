// install(<addon name>): what a backend package's npm `install` script runs. A prebuild that loads
// (or a source build already there) is all it needs; otherwise it builds from source with cmake-js,
// and when that is impossible it says why and lets the install finish: the backend then reports
// itself unavailable, ix picks another, and `ix doctor` explains. It never fails `npm install`.
// IX_BUILD_FROM_SOURCE=1 builds even where a prebuild fits. (npm 11 runs a dependency's install
// script only once the user approves it: prebuilds are the path that needs nothing.) The script is
//   node -e "import('@ix/native-common/install').then((m) => m.install('<addon name>'))"
// (a module, not a bin: workspace bins are not linked yet when npm runs install scripts)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

import { loadNativeAddon, platformTag } from './load.js';

/** Run in the package's folder (npm's working directory for its scripts). */
export function install(name, packageDir = process.cwd()) {
  const fromSource = Boolean(process.env.IX_BUILD_FROM_SOURCE);
  // a workspace checkout builds its addons in its own build step (npm run build)
  const installed = packageDir.split(path.sep).includes('node_modules');
  if (!fromSource && (!installed || loadNativeAddon(packageDir, name).addon)) return;

  const requireHere = createRequire(path.join(packageDir, 'package.json'));
  const pkgName = requireHere('./package.json').name;
  const giveUp = (reason) => {
    console.warn(
      `${pkgName}: the native addon could not be built (${reason}).\n` +
        '  ix still installs: this backend reports itself unavailable and ix uses another one.\n' +
        '  Run `npx ix doctor` to see what is missing (on Debian/Ubuntu: apt install cmake g++).',
    );
  };
  const why = fromSource ? 'IX_BUILD_FROM_SOURCE is set' : `no prebuild fits ${platformTag()}`;
  console.log(`${pkgName}: ${why}; building ${name} from source (cmake-js, cmake and a C++17 compiler)`);
  let cmakeJs;
  try {
    cmakeJs = requireHere.resolve('cmake-js/bin/cmake-js');
  } catch {
    return giveUp('cmake-js is not installed beside it: npm install cmake-js@8 node-addon-api@8');
  }
  const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--log-level', 'warn'], { cwd: packageDir, stdio: 'inherit' });
  if (r.status !== 0) return giveUp(r.error ? r.error.message : `cmake-js exited with ${r.status ?? r.signal}`);
  const built = loadNativeAddon(packageDir, name);
  if (!built.addon) return giveUp(built.error);
  console.log(`${pkgName}: built ${built.file}`);
}
