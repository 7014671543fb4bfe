// Versioning for `nx release version` without the @nx/js plugin (not published for nx 24 on the
// registry we use): each package's own package.json holds its version; nothing is published, so
// there is no registry version to read.
const { VersionActions } = require('nx/release');
const { join } = require('node:path');

const DEP_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

class PackageJsonVersionActions extends VersionActions {
  validManifestFilenames = ['package.json'];

  manifestPath() {
    return join(this.projectGraphNode.data.root, 'package.json');
  }

  async readCurrentVersionFromSourceManifest(tree) {
    const manifestPath = this.manifestPath();
    const pkg = JSON.parse(tree.read(manifestPath, 'utf-8'));
    return { currentVersion: pkg.version, manifestPath };
  }

  async readCurrentVersionFromRegistry() {
    return null;
  }

  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const pkg = JSON.parse(tree.read(this.manifestPath(), 'utf-8'));
    const depName = projectGraph.nodes[dependencyProjectName]?.data?.metadata?.js?.packageName ?? dependencyProjectName;
    for (const field of DEP_FIELDS) {
      if (pkg[field]?.[depName] !== undefined) return { currentVersion: pkg[field][depName], dependencyCollection: field };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree, newVersion) {
    const manifestPath = this.manifestPath();
    const pkg = JSON.parse(tree.read(manifestPath, 'utf-8'));
    pkg.version = newVersion;
    tree.write(manifestPath, JSON.stringify(pkg, null, 2) + '\n');
    return [`New version ${newVersion} written to manifest: ${manifestPath}`];
  }

  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const manifestPath = this.manifestPath();
    const pkg = JSON.parse(tree.read(manifestPath, 'utf-8'));
    const logs = [];
    for (const [project, version] of Object.entries(dependenciesToUpdate)) {
      const depName = projectGraph.nodes[project]?.data?.metadata?.js?.packageName ?? project;
      for (const field of DEP_FIELDS) {
        // workspace ranges like "*" stay as they are
        if (pkg[field]?.[depName] !== undefined && pkg[field][depName] !== '*') {
          pkg[field][depName] = version;
          logs.push(`${depName} -> ${version} in ${field}`);
        }
      }
    }
    tree.write(manifestPath, JSON.stringify(pkg, null, 2) + '\n');
    return logs;
  }
}

module.exports = PackageJsonVersionActions;
module.exports.default = PackageJsonVersionActions;
