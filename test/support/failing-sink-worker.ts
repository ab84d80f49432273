/**
 * A recorder sink worker that dies on its first message (WorkerSink's test): what a crash of the
 * real worker looks like to the engine's thread.
 */
declare const self: Worker;

self.onmessage = () => {
  throw new Error("the sink worker crashed (test)");
};
