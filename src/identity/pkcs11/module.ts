/**
 * Loading the PKCS#11 binding (the optional package pkcs11js) and PKCS#11
 * modules. Each module is loaded and initialised once per process and kept:
 * `serve` and the library sign with it at every refresh.
 * @internal
 */
import type * as Pkcs11js from "pkcs11js";
import { IdentityError } from "../../errors.js";

export type Binding = typeof Pkcs11js;
export type Handle = Buffer;

/** A loaded, initialised PKCS#11 module. */
export interface LoadedModule {
  readonly path: string;
  readonly p11: Pkcs11js.PKCS11;
  readonly k: Binding;
  readonly info: Pkcs11js.ModuleInfo;
}

/** p11-kit's proxy: every module registered with p11-kit, as the official helper defaults to. */
export function defaultModulePath(platform: NodeJS.Platform = process.platform): string {
  if (platform === "darwin") return "p11-kit-proxy.dylib";
  if (platform === "win32") return "p11-kit-proxy.dll";
  return "p11-kit-proxy.so";
}

let binding: Promise<Binding> | undefined;

/** Imports pkcs11js once; a clear error (what to install) when it is absent or did not build. */
export function loadBinding(): Promise<Binding> {
  binding ??= import("pkcs11js").then(
    (m) => ((m as { default?: Binding }).default ?? m) as Binding,
    (err: unknown) => {
      binding = undefined;
      throw new IdentityError("PKCS11", "PKCS#11: the optional package pkcs11js is not installed, or its native part did not build", {
        hint: "install it next to this package ('npm install pkcs11js'; building needs python3, make and a C++ compiler), then try again",
        cause: err,
      });
    },
  );
  return binding;
}

const modules = new Map<string, Promise<LoadedModule>>();

/** The PKCS#11 return code in a pkcs11js error ("CKR_PIN_INCORRECT"), or undefined. */
export function ckr(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  return /CKR_[A-Z0-9_]+/.exec(err.message)?.[0];
}

/** One line for a binding error: the CKR_ code where there is one, else its message's first line. */
export function briefError(err: unknown): string {
  const code = ckr(err);
  if (code) return code;
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
}

/** Loads and initialises a module (once per path). Throws IdentityError PKCS11 with the loader's reason. */
export function loadModule(path: string): Promise<LoadedModule> {
  let loaded = modules.get(path);
  if (!loaded) {
    loaded = (async () => {
      const k = await loadBinding();
      const p11 = new k.PKCS11();
      try {
        p11.load(path);
      } catch (err) {
        throw new IdentityError("PKCS11", `PKCS#11 module ${path}: could not be loaded (${briefError(err)})`, {
          hint: "give the module's path with --pkcs11-lib (module in the library), e.g. /usr/lib/softhsm/libsofthsm2.so; without it p11-kit's proxy module is used",
          cause: err,
        });
      }
      try {
        p11.C_Initialize();
      } catch (err) {
        if (ckr(err) !== "CKR_CRYPTOKI_ALREADY_INITIALIZED") {
          try {
            p11.close();
          } catch {
            // nothing more to undo
          }
          throw new IdentityError("PKCS11", `PKCS#11 module ${path}: C_Initialize failed (${briefError(err)})`, {
            hint: "check the module's own configuration (for SoftHSM: SOFTHSM2_CONF and its token directory)",
            cause: err,
          });
        }
      }
      return { path, p11, k, info: p11.C_GetInfo() };
    })();
    modules.set(path, loaded);
    // A failed load is not kept: the next attempt tries again.
    loaded.catch(() => modules.delete(path));
  }
  return loaded;
}

/**
 * Forgets a module after its token went away or was reset: C_Finalize and
 * unload, so the next use loads and initialises it afresh (some modules, such
 * as tpm2-pkcs11, keep a connection that does not come back by itself).
 */
export async function resetModule(path: string): Promise<void> {
  const loaded = modules.get(path);
  if (!loaded) return;
  modules.delete(path);
  try {
    const m = await loaded;
    try {
      m.p11.C_Finalize();
    } catch {
      // already finalised, or the device is gone
    }
    try {
      m.p11.close();
    } catch {
      // nothing more to undo
    }
  } catch {
    // it never loaded
  }
}
