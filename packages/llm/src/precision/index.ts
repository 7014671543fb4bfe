export { isNestedMatrix, layerPart, splitResiduals, NESTED_KEYS, NESTED_LEVELS, RESIDUAL_SUFFIX, type NestedLevel } from './nested-format.js';
export { NestedWeights, parsePrecision, type LayerPart, type PartSensitivity, type Precision, type PrecisionPlan } from './plan.js';
export { writeNestedModel, type NestedQuantizeOptions, type NestedQuantizeSummary } from './write-nested.js';
export { AutoPrecision, logitsEntropy } from './auto.js';
export { calibrate, checkSensitivityTable, findSensitivity, meanKL, sensitivityPath, SENSITIVITY_VERSION, type Calibration, type SensitivityLookup, type SensitivityTable } from './calibrate.js';
export { CALIBRATION_TEXT } from './calibration-text.js';
export { writeNestedLevel } from './write-level.js';
