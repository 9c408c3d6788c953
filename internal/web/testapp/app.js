// The vippslogin test app: plays the user's phone in a browser, using only
// the public app API (DESIGN §6). No framework and no inline code: the
// page's Content-Security-Policy allows this one script and nothing else.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN = "vippslogin-app-token";
  const PHONE = "vippslogin-app-phone";
  const LANG = "vippslogin-app-lang";
  // The page's words in the languages of the login pages. The server picks
  // the language as they do (web.Language) and puts it in <html lang>; the
  // switch in the bar overrides it in this browser.
  const TEXT = {
    en: {
      title: "Vipps test app", signOut: "Sign out", other: "Norsk", otherLang: "nb",
      signInTitle: "Log in to Vipps", signInLead: "This is the vippslogin test app: it plays the user's phone.",
      phoneLabel: "Phone number", pinLabel: "PIN", signIn: "Log in",
      pinHint: "The dev server's test users all have PIN 1236.",
      tabRequests: "Requests", tabConsents: "Consents", tabBrowsers: "Browsers",
      idle: "Waiting for login requests…",
      scanLabel: "Scan QR", scan: "Scan", scanHint: "Paste what a QR code holds, as if the phone's camera had read it.",
      sharedWith: "Shared with", browsersTitle: "Browsers that remember you",
      scopes: {
        name: "your name", email: "your email address", phoneNumber: "your phone number",
        address: "your addresses", birthDate: "your date of birth",
        nin: "your national identity number", accountNumbers: "your bank account numbers",
      },
      onlyYou: "only that it is you (nothing else)",
      wantsYou: "wants you to log in and share:",
      consentBrowser: "You have not shared this with them before: the browser will ask you to agree.",
      consentApp: "You have not shared this with them before: approving shares it.",
      expired: "This request has expired. Start again in the browser.",
      answered: (s) => `This request was already answered (${s}).`,
      answerBefore: (t) => `Answer before ${t}.`,
      pick: "Pick the number the browser shows:",
      remember: "Remember me in this browser",
      approve: "Approve", reject: "Reject", more: "More ways to answer",
      rejectUnknownHelp: "Reject as the app does when it cannot say why: the shop gets the error unknown_reject_reason instead of access_denied.",
      rejectUnknown: "Reject, reason unknown",
      rejectedShort: "Rejected. ", approvedShort: "Approved. ", continue: "Continue",
      rejectedReason: (c, r) => `Rejected: ${c} was told the reason is ${r}.`,
      rejectedNo: (c) => `Rejected: ${c} was told no.`,
      approvedQR: (c) => `Approved: ${c} is told you logged in.`,
      approvedBrowser: (c) => `Approved: continue in the browser with ${c}.`,
      noConsents: "You have not shared anything with anyone.", revoke: "Revoke",
      noBrowsers: "No browser remembers you.", aBrowser: "A browser", forget: "Forget",
      since: (a, b) => `Since ${a}, until ${b}`,
      loginToAnswer: "Log in to answer the login request.",
      wrongPIN: "Wrong phone number or PIN.",
      lastAttempt: (n, m) => `Wrong phone number or PIN. ${n} attempt left before a ${m}-minute lock.`,
      locked: (m, phone) => `Too many wrong PINs: this user is locked for ${m} more minute(s). Wait, or have an administrator unlock the user at once: vippslogin user unlock ${phone}, or Unlock on the user's page in the merchant portal.`,
      locale: "en-GB",
    },
    nb: {
      title: "Vipps testapp", signOut: "Logg ut", other: "English", otherLang: "en",
      signInTitle: "Logg inn i Vipps", signInLead: "Dette er testappen til vippslogin: den spiller brukerens telefon.",
      phoneLabel: "Mobilnummer", pinLabel: "PIN-kode", signIn: "Logg inn",
      pinHint: "Testbrukerne på utviklingsserveren har alle PIN-kode 1236.",
      tabRequests: "Forespørsler", tabConsents: "Samtykker", tabBrowsers: "Nettlesere",
      idle: "Venter på innloggingsforespørsler …",
      scanLabel: "Skann QR-kode", scan: "Skann", scanHint: "Lim inn det en QR-kode inneholder, som om telefonens kamera hadde lest den.",
      sharedWith: "Delt med", browsersTitle: "Nettlesere som husker deg",
      scopes: {
        name: "navnet ditt", email: "e-postadressen din", phoneNumber: "mobilnummeret ditt",
        address: "adressene dine", birthDate: "fødselsdatoen din",
        nin: "fødselsnummeret ditt", accountNumbers: "kontonumrene dine",
      },
      onlyYou: "bare at det er deg (ikke noe mer)",
      wantsYou: "vil at du logger inn og deler:",
      consentBrowser: "Du har ikke delt dette med dem før: nettleseren ber deg samtykke.",
      consentApp: "Du har ikke delt dette med dem før: godkjenner du, deles det.",
      expired: "Forespørselen er utløpt. Begynn på nytt i nettleseren.",
      answered: (s) => `Forespørselen er allerede besvart (${s}).`,
      answerBefore: (t) => `Svar før ${t}.`,
      pick: "Velg tallet nettleseren viser:",
      remember: "Husk meg i denne nettleseren",
      approve: "Godkjenn", reject: "Avvis", more: "Flere måter å svare på",
      rejectUnknownHelp: "Avvis slik appen gjør når den ikke kan si hvorfor: butikken får feilen unknown_reject_reason i stedet for access_denied.",
      rejectUnknown: "Avvis, ukjent grunn",
      rejectedShort: "Avvist. ", approvedShort: "Godkjent. ", continue: "Fortsett",
      rejectedReason: (c, r) => `Avvist: ${c} fikk vite at grunnen er ${r}.`,
      rejectedNo: (c) => `Avvist: ${c} fikk nei.`,
      approvedQR: (c) => `Godkjent: ${c} får vite at du logget inn.`,
      approvedBrowser: (c) => `Godkjent: fortsett i nettleseren hos ${c}.`,
      noConsents: "Du har ikke delt noe med noen.", revoke: "Trekk tilbake",
      noBrowsers: "Ingen nettleser husker deg.", aBrowser: "En nettleser", forget: "Glem",
      since: (a, b) => `Fra ${a}, til ${b}`,
      loginToAnswer: "Logg inn for å svare på innloggingsforespørselen.",
      wrongPIN: "Feil mobilnummer eller PIN-kode.",
      lastAttempt: (n, m) => `Feil mobilnummer eller PIN-kode. ${n} forsøk igjen før brukeren låses i ${m} minutter.`,
      locked: (m, phone) => `For mange feil PIN-koder: brukeren er låst i ${m} minutt(er) til. Vent, eller få en administrator til å låse opp med en gang: vippslogin user unlock ${phone}, eller «Unlock» på brukerens side i forhandlerportalen.`,
      locale: "nb-NO",
    },
  };
  let lang = localStorage.getItem(LANG) || document.documentElement.lang;
  if (!TEXT[lang]) lang = "nb";
  const T = TEXT[lang];
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = T[e.dataset.t];
  $("lang").textContent = T.other;
  $("lang").setAttribute("lang", T.otherLang);
  $("lang").hidden = false;
  // Switching reloads the page in the other language; the sign-in is kept
  // (sessionStorage), so is a deeplinked request (the URL).
  $("lang").addEventListener("click", () => {
    localStorage.setItem(LANG, T.otherLang);
    location.reload();
  });
  const SILENT_SCOPES = new Set(["openid", "api_version_2"]);
  const deeplinkId = new URLSearchParams(location.search).get("request");
  // A QR code's page links here with ?qr=<what the code holds>.
  $("scan-url").value = new URLSearchParams(location.search).get("qr") || "";

  let token = sessionStorage.getItem(TOKEN);
  let generation = 0; // bumped on sign-out so that a running poll loop ends
  let pollCtrl = null; // aborts the current long poll to look again at once
  let deeplinkCard = null;
  const cards = new Map(); // request id -> its card in #requests

  class ApiError extends Error {
    constructor(status, detail, problem) {
      super(detail);
      this.status = status;
      this.problem = problem || {};
    }
  }

  // api calls the app API relative to this page, so that the page works
  // below a base path, and turns a problem answer into its detail.
  async function api(method, path, body, signal) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    const res = await fetch(path, {
      method, headers, signal, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    if (res.status !== 204) {
      try { data = await res.json(); } catch (_) { data = null; }
    }
    if (!res.ok) {
      const detail = (data && data.detail) || `${method} ${path} answered ${res.status}`;
      if (res.status === 401 && path !== "v1/sessions") signOut();
      throw new ApiError(res.status, detail, data);
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v === true) e.setAttribute(k, "");
      else if (v !== false && v != null) e.setAttribute(k, v);
    }
    e.append(...children.filter((c) => c != null));
    return e;
  }

  function showError(msg) { $("error").textContent = msg; $("error").hidden = !msg; }
  function showNotice(...content) {
    $("notice").replaceChildren(...content);
    $("notice").hidden = content.length === 0;
  }
  function clearMessages() { showError(""); showNotice(); }
  function pause(ms, signal) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      if (signal) signal.addEventListener("abort", () => { clearTimeout(t); resolve(); });
    });
  }
  // scopeWords are what the scopes share, in lower case: capitalize() them
  // one by one in a list, or the whole joined line once.
  function scopeWords(scopes) {
    const words = (scopes || []).filter((s) => !SILENT_SCOPES.has(s)).map((s) => T.scopes[s] || s);
    return words.length ? words : [T.onlyYou];
  }
  function capitalize(s) { return s.charAt(0).toUpperCase() + s.slice(1); }
  function when(t) { return new Date(t).toLocaleString(T.locale); }

  // signInError words a refused sign-in from the answer's numbers (the
  // app API's attempts_left, lock_minutes and locked_minutes) in the
  // page's language.
  function signInError(e, phone) {
    const p = e.problem;
    if (e.status === 429 && p.locked_minutes) return T.locked(p.locked_minutes, phone);
    if (e.status === 401 && p.attempts_left) return T.lastAttempt(p.attempts_left, p.lock_minutes);
    if (e.status === 401) return T.wrongPIN;
    return e.message;
  }

  // --- signing in and out ---

  $("signin").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearMessages();
    const button = ev.submitter || $("signin").querySelector("button");
    button.disabled = true;
    const phone = $("phone").value.trim();
    try {
      const s = await api("POST", "v1/sessions", { phone_number: phone, pin: $("pin").value });
      token = s.token;
      sessionStorage.setItem(TOKEN, token);
      sessionStorage.setItem(PHONE, phone);
      $("pin").value = "";
      start();
    } catch (e) {
      showError(signInError(e, phone));
    } finally {
      button.disabled = false;
    }
  });

  $("signout").addEventListener("click", () => { clearMessages(); signOut(); });

  function signOut() {
    generation++;
    if (pollCtrl) pollCtrl.abort();
    token = null;
    sessionStorage.removeItem(TOKEN);
    cards.clear();
    $("requests").replaceChildren();
    $("deeplinked").replaceChildren();
    deeplinkCard = null;
    $("home").hidden = true;
    $("signout").hidden = true;
    $("who").textContent = "";
    $("signin").hidden = false;
  }

  function start() {
    $("signin").hidden = true;
    $("home").hidden = false;
    $("signout").hidden = false;
    $("who").textContent = sessionStorage.getItem(PHONE) || "";
    selectTab("requests");
    loadDeeplinked();
    pollLoop(++generation);
  }

  // --- requests ---

  // pollLoop long-polls for waiting requests. Waiting ones come back at
  // once, so after a non-empty answer it pauses instead of asking again
  // straight away; an answer aborts the pause or poll to refresh at once.
  async function pollLoop(gen) {
    while (gen === generation) {
      pollCtrl = new AbortController();
      try {
        const list = await api("GET", "v1/requests?wait=25", undefined, pollCtrl.signal);
        if (gen !== generation) return;
        renderRequests(list.requests);
        if (list.requests.length > 0) await pause(2000, pollCtrl.signal);
      } catch (e) {
        if (gen !== generation) return;
        if (e.name === "AbortError") continue;
        showError(e.message);
        await pause(3000, pollCtrl.signal);
      }
    }
  }

  function renderRequests(reqs) {
    const ids = new Set(reqs.map((r) => r.id));
    for (const [id, card] of cards) {
      if (!ids.has(id)) { card.remove(); cards.delete(id); }
    }
    for (const r of reqs) {
      if (cards.has(r.id) || (deeplinkCard && r.id === deeplinkId)) continue;
      const card = requestCard(r);
      cards.set(r.id, card);
      $("requests").append(card);
    }
    updateIdle();
  }

  function updateIdle() { $("idle").hidden = cards.size > 0 || deeplinkCard !== null; }

  async function loadDeeplinked() {
    if (!deeplinkId) return;
    try {
      const r = await api("GET", "v1/requests/" + encodeURIComponent(deeplinkId));
      deeplinkCard = requestCard(r);
      $("deeplinked").replaceChildren(deeplinkCard);
      const listed = cards.get(r.id);
      if (listed) { listed.remove(); cards.delete(r.id); }
    } catch (e) {
      showError(e.message);
    }
    updateIdle();
  }

  function requestCard(r) {
    const card = el("article", { class: "card", "data-testid": "request", "data-request-id": r.id });
    card.append(
      el("h3", { "data-testid": "request-client" }, r.client_name),
      el("p", { class: "muted", "data-testid": "request-message" }, r.qr_description || r.binding_message || T.wantsYou),
      el("ul", { "data-testid": "request-scopes" }, ...scopeWords(r.scopes).map((w) => el("li", {}, capitalize(w)))),
    );
    const inBrowser = r.kind === "login";
    if (r.consent_required) {
      card.append(el("p", { class: "muted small" }, inBrowser ? T.consentBrowser : T.consentApp));
    }
    if (r.status !== "waiting") {
      card.append(el("p", { class: "error" }, r.status === "expired" ? T.expired : T.answered(r.status)));
      return card;
    }
    card.append(el("p", { class: "muted small" }, T.answerBefore(when(r.expires_at))));
    if (r.challenge_options && r.challenge_options.length > 0) {
      card.append(
        el("p", {}, T.pick),
        el("div", { class: "options" }, ...r.challenge_options.map((opt) =>
          el("button", { type: "button", class: "option", "data-testid": "challenge-option",
            onclick: () => answer(r, card, "approve", { challenge: opt }) }, opt))),
      );
    } else if (inBrowser) {
      const remember = el("input", { type: "checkbox", id: "remember-" + r.id, "data-testid": "app-remember" });
      card.append(
        el("label", { class: "remember", for: "remember-" + r.id }, remember, T.remember),
        el("button", { type: "button", class: "primary", "data-testid": "app-approve",
          onclick: () => answer(r, card, "approve", { remember_browser: remember.checked }) }, T.approve),
      );
    } else {
      card.append(el("button", { type: "button", class: "primary", "data-testid": "app-approve",
        onclick: () => answer(r, card, "approve", {}) }, T.approve));
    }
    card.append(el("button", { type: "button", class: "secondary", "data-testid": "app-reject",
      onclick: () => answer(r, card, "reject", {}) }, T.reject));
    // The Vipps app may also reject without knowing why: the client then
    // gets unknown_reject_reason instead of access_denied. Tucked away, as
    // it is for testing how a client handles that error.
    const help = "reject-unknown-help-" + r.id;
    card.append(el("details", { class: "more", "data-testid": "app-more" },
      el("summary", {}, T.more),
      el("p", { class: "muted small", id: help },
        T.rejectUnknownHelp),
      el("button", { type: "button", class: "secondary", "data-testid": "app-reject-unknown", "aria-describedby": help,
        onclick: () => answer(r, card, "reject", { reason: "unknown" }) }, T.rejectUnknown)));
    return card;
  }

  async function answer(r, card, action, body) {
    clearMessages();
    const controls = card.querySelectorAll("button, input");
    controls.forEach((c) => { c.disabled = true; });
    try {
      const res = await api("POST", `v1/requests/${encodeURIComponent(r.id)}/${action}`, body);
      dropCard(r.id, card);
      const rejected = action !== "approve";
      if (res && res.open_url) {
        // An app_to_app login goes back to the shop's app either way.
        showNotice(rejected ? T.rejectedShort : T.approvedShort, el("a", { href: res.open_url, "data-testid": "open-url" }, T.continue));
      } else {
        showNotice(rejected ? (body.reason ? T.rejectedReason(r.client_name, body.reason) : T.rejectedNo(r.client_name))
          : r.kind === "qr" ? T.approvedQR(r.client_name)
          : T.approvedBrowser(r.client_name));
      }
    } catch (e) {
      showError(e.message);
      // 404, 409 and 410 mean the login is over or gone: nothing to retry.
      if ([404, 409, 410].includes(e.status)) dropCard(r.id, card);
      else controls.forEach((c) => { c.disabled = false; });
    }
    if (pollCtrl) pollCtrl.abort();
  }

  function dropCard(id, card) {
    card.remove();
    cards.delete(id);
    if (card === deeplinkCard) deeplinkCard = null;
    updateIdle();
  }

  // --- scanning a QR code ---

  $("scan").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearMessages();
    try {
      const { request } = await api("POST", "v1/qr/scan", { url: $("scan-url").value.trim() });
      if (!cards.has(request.id)) {
        const card = requestCard(request);
        cards.set(request.id, card);
        $("requests").prepend(card);
        updateIdle();
      }
    } catch (e) {
      showError(e.message);
    }
  });

  // --- consents and browsers ---

  for (const tab of document.querySelectorAll(".tab")) {
    tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  }

  function selectTab(name) {
    for (const tab of document.querySelectorAll(".tab")) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      $("tab-" + tab.dataset.tab).hidden = !on;
    }
    if (name === "consents") loadConsents();
    if (name === "browsers") loadBrowsers();
  }

  async function loadConsents() {
    try {
      const { consents } = await api("GET", "v1/consents");
      $("consents").replaceChildren(...(consents.length === 0
        ? [el("li", { class: "muted" }, T.noConsents)]
        : consents.map((c) => el("li", { "data-testid": "consent", "data-client-id": c.client_id },
          el("div", {}, el("strong", {}, c.client_name), el("br"),
            el("span", { class: "muted small", "data-testid": "consent-scopes" }, capitalize(scopeWords(c.scopes).join(", ")))),
          el("button", { type: "button", class: "secondary", "data-testid": "consent-revoke",
            onclick: () => remove("v1/consents/" + encodeURIComponent(c.client_id), loadConsents) }, T.revoke)))));
    } catch (e) {
      showError(e.message);
    }
  }

  async function loadBrowsers() {
    try {
      const { browsers } = await api("GET", "v1/browsers");
      $("browsers").replaceChildren(...(browsers.length === 0
        ? [el("li", { class: "muted" }, T.noBrowsers)]
        : browsers.map((b) => el("li", { "data-testid": "browser", "data-browser-id": b.id },
          el("div", {}, el("strong", {}, b.description || T.aBrowser), el("br"),
            el("span", { class: "muted small" }, T.since(when(b.created_at), when(b.expires_at)))),
          el("button", { type: "button", class: "secondary", "data-testid": "browser-forget",
            onclick: () => remove("v1/browsers/" + encodeURIComponent(b.id), loadBrowsers) }, T.forget)))));
    } catch (e) {
      showError(e.message);
    }
  }

  async function remove(path, reload) {
    clearMessages();
    try {
      await api("DELETE", path);
    } catch (e) {
      showError(e.message);
    }
    reload();
  }

  // --- start ---

  if (token) {
    start();
  } else {
    $("signin").hidden = false;
    if (deeplinkId) showNotice(T.loginToAnswer);
  }
})();
