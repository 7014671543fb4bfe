// Loading a backend's Node-API addon: from a source build of this checkout, else from the prebuild
// its npm tarball ships for this platform (prebuildify's layout: prebuilds/<platform>-<arch>/).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The prebuild folder name for a platform: e.g. linux-x64, linux-arm64. */
export function platformTag(platform = process.platform, arch = process.arch) {
  return `${platform}-${arch}`;
}

/** The files an addon may be loaded from, in order: a source build wins over the shipped prebuild. */
export function addonCandidates(packageDir, name, tag = platformTag()) {
  return [path.join(packageDir, 'build', 'Release', `${name}.node`), path.join(packageDir, 'prebuilds', tag, `${name}.node`)];
}

const req = createRequire(import.meta.url);

/**
 * Load a package's addon, reporting (never throwing) why none can be used: what was tried, and what
 * to do about it.
 */
export function loadNativeAddon(packageDir, name) {
  const tried = [];
  for (const file of addonCandidates(packageDir, name)) {
    if (!existsSync(file)) continue;
    try {
      return { addon: req(file), file };
    } catch (err) {
      // e.g. a build for another architecture, or a prebuild that needs a newer glibc
      tried.push(`${path.relative(packageDir, file)}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  const tag = platformTag();
  const head = tried.length
    ? `native addon ${name} failed to load (${tried.join('; ')})`
    : `no native addon ${name} for ${tag}: neither a source build (build/Release) nor a prebuild (prebuilds/${tag})`;
  return {
    error: `${head}. \`ix doctor\` says what is missing and how to build it from source (cmake and a C++ compiler)`,
  };
}
