// The server's JSON API as the page uses it: the API key (asked once, kept in sessionStorage), errors as
// ApiError with the server's own message, and images fetched with the key when one is needed.
const KEY = "swiftclip-api-key";

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const api = {
  auth: false,

  key() { return sessionStorage.getItem(KEY); },
  setKey(key) { sessionStorage.setItem(KEY, key); },

  headers(extra = {}) {
    const headers = { ...extra };
    const key = this.key();
    if (this.auth && key) headers.Authorization = `Bearer ${key}`;
    return headers;
  },

  // GET, or POST with a JSON `body` or a FormData `form`; the decoded JSON answer.
  async json(path, { body, form, signal } = {}) {
    const init = { method: body || form ? "POST" : "GET", signal, headers: this.headers(body ? { "Content-Type": "application/json" } : {}) };
    if (form) init.body = form;
    else if (body) init.body = JSON.stringify(body);
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, `The server cannot be reached (${error.message}). Is clip serve still running?`);
    }
    const text = await response.text();
    let data = null;
    try { data = JSON.parse(text); } catch { /* not JSON: described below */ }
    if (!response.ok) {
      const message = data?.error?.message ?? data?.detail ?? `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, message, data?.error?.code);
    }
    return data;
  },

  // An <img> source for a library image: the URL itself, or with a key, an object URL of the bytes
  // fetched with the Authorization header (an <img> cannot send one).
  async imageSource(path) {
    if (!this.auth) return path;
    const response = await fetch(path, { headers: this.headers() });
    if (!response.ok) throw new ApiError(response.status, `${path}: ${response.status}`);
    return URL.createObjectURL(await response.blob());
  },
};
