declare const __SOTAOCR_VERSION__: string | undefined;

/** This package's version, injected by the build; "0.0.0-dev" when running from source. */
export const VERSION: string = typeof __SOTAOCR_VERSION__ === "string" ? __SOTAOCR_VERSION__ : "0.0.0-dev";
