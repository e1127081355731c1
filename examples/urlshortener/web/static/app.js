// The page's script: it sends the form to the JSON API with fetch, shows
// the new link (short URL, copy button, QR code) or the refusal's detail
// as text, and copies short URLs. The form works without it.
"use strict";

(function () {
  // copyText puts text on the clipboard, by the Clipboard API where the
  // page is a secure context and by a selected field otherwise.
  async function copyText(text, field) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    if (!field) {
      throw new Error("no clipboard");
    }
    field.select();
    if (!document.execCommand("copy")) {
      throw new Error("copy refused");
    }
  }

  function setUpCopy(button) {
    button.hidden = false;
    const status = button.closest("section, .field").querySelector(".copied");
    button.addEventListener("click", async function () {
      const field = button.dataset.copyFrom ? document.getElementById(button.dataset.copyFrom) : null;
      const text = field ? field.value : button.dataset.copy;
      try {
        await copyText(text, field);
        status.textContent = "Copied.";
      } catch (e) {
        status.textContent = "Copying failed: select the short URL and copy it.";
      }
    });
  }

  // detailOf returns what a refused response says, for a person: the
  // problem document's detail, never the raw body.
  async function detailOf(resp) {
    const type = resp.headers.get("Content-Type") || "";
    if (type.startsWith("application/problem+json") || type.startsWith("application/json")) {
      try {
        const p = await resp.json();
        if (p && typeof p.detail === "string" && p.detail !== "") {
          return p.detail;
        }
      } catch (e) {
        // not JSON after all: fall through to the status
      }
    }
    return "The service answered " + resp.status + " " + resp.statusText + ".";
  }

  function setUpForm(form) {
    const message = document.getElementById("message");
    const result = document.getElementById("result");
    const button = form.querySelector("button[type=submit]");
    const token = document.getElementById("token");

    function fail(text) {
      message.textContent = text;
      message.hidden = false;
    }

    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      message.hidden = true;
      message.textContent = "";
      const body = { url: form.elements.url.value.trim() };
      const alias = form.elements.alias.value.trim();
      if (alias !== "") {
        body.alias = alias;
      }
      const expires = form.elements.expires_in.value;
      if (expires !== "") {
        body.expires_in = expires;
      }
      const headers = { "Content-Type": "application/json", "Accept": "application/json" };
      if (token && token.value.trim() !== "") {
        headers.Authorization = "Bearer " + token.value.trim();
      }
      button.disabled = true;
      let resp;
      try {
        resp = await fetch("/api/v1/links", {
          method: "POST", headers: headers, body: JSON.stringify(body),
          credentials: "omit", cache: "no-store", redirect: "error"
        });
      } catch (e) {
        fail("The service could not be reached; try again.");
        return;
      } finally {
        button.disabled = false;
      }
      if (resp.status !== 201) {
        fail(await detailOf(resp));
        return;
      }
      let link;
      try {
        link = await resp.json();
      } catch (e) {
        fail("The service's answer could not be read; try again.");
        return;
      }
      const code = encodeURIComponent(link.code);
      document.getElementById("short").value = link.short_url;
      document.getElementById("qr").src = "/api/v1/links/" + code + "/qr";
      document.getElementById("details").href = "/links/" + code;
      result.querySelector(".copied").textContent = "";
      result.hidden = false;
      document.getElementById("result-title").focus();
    });
  }

  document.querySelectorAll("button.copy").forEach(setUpCopy);
  const form = document.getElementById("shorten");
  if (form) {
    setUpForm(form);
  }
})();
