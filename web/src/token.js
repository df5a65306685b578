// The token lives in this tab's sessionStorage only: closing the tab forgets it.
export const TOKEN_KEY = "lineage-catalog.token";

export function readToken() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch (e) {
    return null;
  }
}

export function saveToken(token) {
  window.sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  window.sessionStorage.removeItem(TOKEN_KEY);
}
