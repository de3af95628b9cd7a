/** Where the installed default bundle is served (and cached by the service worker) for the workers. */
export const DEFAULT_BUNDLE_URL = `${import.meta.env.BASE_URL}models/default/`;
