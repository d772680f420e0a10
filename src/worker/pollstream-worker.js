// pollstream's simulation worker (src/worker/mod.rs), copied next to the app's JS glue by Trunk. The page
// posts its compiled WebAssembly module first; the worker starts the same app on it, whose `main` sees a
// worker's scope and runs the simulation (src/worker/run.rs) instead of the page.
import init from './pollstream.js';

self.onmessage = (event) => {
  self.onmessage = null;
  init({ module_or_path: event.data.module });
};
