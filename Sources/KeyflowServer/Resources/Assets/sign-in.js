document.getElementById("sign-in").addEventListener("submit", async event => {
  event.preventDefault();
  const error = document.getElementById("sign-in-error");
  error.textContent = "";
  try {
    const response = await fetch("/api/v1/sessions", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: document.getElementById("email").value, password: document.getElementById("password").value })
    });
    const data = await response.json();
    if (!response.ok) { error.textContent = data.error.message; return; }
    sessionStorage.setItem("keyflow.token", data.token);
    sessionStorage.setItem("keyflow.user", JSON.stringify(data.user));
    const next = new URLSearchParams(location.search).get("next");
    window.location.assign(next && next.startsWith("/") && !next.startsWith("//") ? next : "/flows");
  } catch (e) {
    error.textContent = "Keyflow could not be reached; try again.";
  }
});
