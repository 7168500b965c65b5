// Module customization hooks (node:module register): reports every resolved URL
// to the main thread, in order; answers "flush" once everything before it is sent.
let port;

export function initialize(data) {
  port = data.port;
  port.on("message", (m) => {
    if (m === "flush") port.postMessage({ flushed: true });
  });
  port.unref();
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  port.postMessage({ url: result.url });
  return result;
}
