// The error panel of every page: a panic reaches it through the app's panic hook, a trap of
// the wasm module (such as memory exhausted) through the browser's error events, with no Rust
// code running. It always says something, and offers the lab without the run that stopped it.
window.netsplitFatal = (function () {
  function show(message) {
    var panel = document.getElementById('fatal'), text = panel.querySelector('pre');
    text.textContent = text.textContent || (/unreachable|memory/i.test(message)
      ? 'The app ran out of memory, or reached a limit inside it, while running this page (' + message + ').'
      : message || 'The app stopped without saying why.');
    var run = /s=/.test(location.hash) ? location.href : '';
    panel.querySelector('input').value = run;
    panel.querySelector('.fatal-link').hidden = !run;
    panel.hidden = false;
  }
  addEventListener('error', function (e) {
    if (e.error instanceof WebAssembly.RuntimeError) show(String(e.message));
  });
  addEventListener('unhandledrejection', function (e) { show(String(e.reason || '')); });
  return { show: show, withoutRun: function () {
    // Reloading would open the same run again: the next start skips the last run kept.
    sessionStorage.setItem('netsplit.fresh', '1');
    location.assign(location.pathname + location.search);
  } };
})();
