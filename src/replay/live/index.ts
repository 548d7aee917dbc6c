export { runLiveReplay, harnessPath } from './run.js';
export { findPython, probePython, DEFAULT_PYTHON_CANDIDATES, type PythonFound } from './python.js';
export { findingsFromEvents } from './findings.js';
export { netnsAvailable } from './sandbox.js';
export type * from './types.js';
