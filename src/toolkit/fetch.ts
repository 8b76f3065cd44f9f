/**
 * The fetch every HTTP client in the suite takes as a dependency (WHATWG fetch's shape, a URL
 * string only): tests and library users inject their own; the default is Node's global fetch.
 */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>;
