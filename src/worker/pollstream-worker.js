// pollstream's simulation worker (src/worker/mod.rs), copied next to the app's JS glue by Trunk. The page
// posts its compiled WebAssembly module first, then its commands at once; the worker starts the same app
// on the module, whose `main` sees a worker's scope, runs the simulation (src/worker/run.rs) and takes
// over `onmessage`. The commands that came before that are handed to it then, in order. A failure is
// thrown again outside the promise, so that the page gets the worker's `error` event and runs the
// simulation itself.
import init from './pollstream.js';

const early = [];
self.onmessage = (event) => {
  self.onmessage = (e) => early.push(e);
  init({ module_or_path: event.data.module })
    .then(() => early.forEach((e) => self.onmessage(e)))
    .catch((e) => setTimeout(() => { throw e; }));
};
