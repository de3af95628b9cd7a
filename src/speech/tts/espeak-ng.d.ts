/** The parts of the espeak-ng package's Emscripten glue (MODULARIZE, EXPORT_ES6) that this app uses. */
declare module 'espeak-ng' {
  export interface EspeakFS {
    readFile(path: string): Uint8Array;
    unlink(path: string): void;
  }

  export interface EspeakModule {
    FS: EspeakFS;
    /** Re-created by the glue if memory grows; read it from the module each time. */
    HEAPU8: Uint8Array;
    HEAPU32: Uint32Array;
  }

  export interface EspeakModuleOptions {
    arguments?: string[];
    noInitialRun?: boolean;
    wasmBinary?: ArrayBuffer | Uint8Array;
    print?: (line: string) => void;
    printErr?: (line: string) => void;
    /** Called on exit(); the Node default sets process.exitCode, which would fail the host process. */
    quit?: (status: number, toThrow: unknown) => never;
    instantiateWasm?: (
      imports: WebAssembly.Imports,
      receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) => object;
  }

  const ESpeakNg: (options: EspeakModuleOptions) => Promise<EspeakModule>;
  export default ESpeakNg;
}
