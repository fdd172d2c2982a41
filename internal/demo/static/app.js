"use strict";
(async () => {
  const cfg = await (await fetch("/config")).json();
  document.getElementById("origins").textContent = `page ${cfg.page} · API ${cfg.api} · proxy ${cfg.proxy}`;
  document.getElementById("run-simple").addEventListener("click", async () => {
    const out = document.getElementById("out");
    try {
      const r = await fetch(cfg.api + "/api/echo?run=" + Date.now());
      out.textContent = `allowed: ${r.status}\n` + await r.text();
    } catch (e) {
      out.textContent = "blocked: " + e;
    }
  });
})();
