/** "Did you mean" for flow words: the runtime's edit-distance hint, shared so CLI and editor agree. */
export { didYouMean } from "../../../runtime/src/util/errors.js";
