// The Keyflow API from the browser: the session token lives in this tab's sessionStorage.
const keyflow = {
  token: () => sessionStorage.getItem("keyflow.token"),
  user: () => JSON.parse(sessionStorage.getItem("keyflow.user") || "null"),
  requireSignIn() {
    if (!this.token()) { window.location.assign("/sign-in?next=" + encodeURIComponent(location.pathname)); return false; }
    const who = document.getElementById("who");
    if (who && this.user()) who.textContent = this.user().name;
    if (this.user() && this.user().role !== "client") document.querySelectorAll(".internal-only").forEach(e => { e.hidden = false; });
    const out = document.getElementById("sign-out");
    if (out) out.addEventListener("click", async () => {
      await fetch("/api/v1/sessions", { method: "DELETE", headers: { Authorization: "Bearer " + this.token() } });
      sessionStorage.clear();
      window.location.assign("/sign-in");
    });
    return true;
  },
  async call(method, path, body) {
    const headers = { Authorization: "Bearer " + this.token() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) { sessionStorage.clear(); window.location.assign("/sign-in"); throw new Error("signed out"); }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) { const error = new Error(data && data.error ? data.error.message : "HTTP " + response.status); error.details = data; throw error; }
    return data;
  },
  text(element, value) { element.textContent = value; return element; },
  el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "class") node.className = value; else if (key === "text") node.textContent = value; else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }
};
