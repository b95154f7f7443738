/** Offline text classifier for AI Classify's `local` engine: pure, no n8n imports. */
export { trainClassifier, trainingFingerprint, TrainingInputError, describeCategory, trainOptionNames } from './train';
export type { LabelledText, CategoryDefinition, TrainOptions } from './train';
export { predict, predictProbabilities, unknownWordShare } from './predict';
export type { Prediction } from './predict';
export { serializeModel, deserializeModel } from './serialize';
export type { TrainedModel, TrainingMetrics, TrainingSettings } from './model';
export { expectedCalibrationError } from './calibration';
