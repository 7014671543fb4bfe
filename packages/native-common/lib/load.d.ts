/** The prebuild folder name for a platform: e.g. linux-x64, linux-arm64. */
export declare function platformTag(platform?: string, arch?: string): string;
/** The files an addon may be loaded from, in order: a source build wins over the shipped prebuild. */
export declare function addonCandidates(packageDir: string, name: string, tag?: string): string[];
export type NativeLoad<T> = { addon: T; file: string; error?: undefined } | { addon?: undefined; file?: undefined; error: string };
/** Load a package's addon, reporting (never throwing) why none can be used: what was tried, and what to do about it. */
export declare function loadNativeAddon<T>(packageDir: string, name: string): NativeLoad<T>;
