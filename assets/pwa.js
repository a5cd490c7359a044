/* Registers the service worker (once the page is idle) and offers « Installer l'application »
 * where the browser allows it: elements with the class cvz-install appear (html.cvz-can-install) once the browser says the app
 * can be installed, and a tap opens its prompt. */
(function () {
  if ("serviceWorker" in navigator) {
    /* Once the page is loaded and the main thread is idle: the worker's install fetches the app
     * shell, which must not compete with the page's own scripts on a phone's slow link. */
    var register = function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
    };
    window.addEventListener("load", function () {
      if (window.requestIdleCallback) window.requestIdleCallback(register, { timeout: 5000 });
      else setTimeout(register, 2000);
    });
  }
  var deferred = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferred = event;
    document.documentElement.classList.add("cvz-can-install");
  });
  window.addEventListener("appinstalled", function () {
    deferred = null;
    document.documentElement.classList.remove("cvz-can-install");
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".cvz-install");
    if (!button || !deferred) return;
    deferred.prompt();
    deferred.userChoice.finally(function () {
      deferred = null;
      document.documentElement.classList.remove("cvz-can-install");
    });
  });
})();
