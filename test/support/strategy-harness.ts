/**
 * The strategy test doubles under the names this suite's tests have always used: a thin wrapper over
 * the public strategy harness (src/strategy/harness.ts, which users import from the strategy API), so
 * the engine's own tests and users' tests drive strategies with the same code.
 */
export {
  type BookLevel as FakeLevel,
  bookUpdate,
  RecordingSink,
  ScriptedBook as FakeBook,
  testContext as fakeContext,
  testInstrument as fakeInstrument,
} from "../../src/strategy/harness.ts";
