/**
 * Temperature scaling (Guo et al., 2017): one scalar T dividing the logits, chosen to minimise the
 * negative log-likelihood of held-out predictions. It changes confidence, never the ranking.
 */

/** Mean NLL of `targets` under softmax(logits / T); logits are row-major, n × classCount. */
export function negativeLogLikelihood(
	logits: Float64Array,
	targets: Int32Array,
	classCount: number,
	temperature: number,
): number {
	let total = 0;
	for (let row = 0; row < targets.length; row++) {
		const base = row * classCount;
		let max = -Infinity;
		for (let k = 0; k < classCount; k++) max = Math.max(max, logits[base + k] / temperature);
		let sum = 0;
		for (let k = 0; k < classCount; k++) sum += Math.exp(logits[base + k] / temperature - max);
		total += max + Math.log(sum) - logits[base + targets[row]] / temperature;
	}
	return total / Math.max(1, targets.length);
}

/** Golden-section search on log T: NLL is unimodal in T for fixed logits. */
export function fitTemperature(
	logits: Float64Array,
	targets: Int32Array,
	classCount: number,
	bounds: { min: number; max: number } = { min: 0.05, max: 20 },
): number {
	if (targets.length === 0) return 1;
	const ratio = (Math.sqrt(5) - 1) / 2;
	let low = Math.log(bounds.min);
	let high = Math.log(bounds.max);
	const loss = (logTemperature: number) =>
		negativeLogLikelihood(logits, targets, classCount, Math.exp(logTemperature));
	let left = high - ratio * (high - low);
	let right = low + ratio * (high - low);
	let leftLoss = loss(left);
	let rightLoss = loss(right);
	for (let iteration = 0; iteration < 60 && high - low > 1e-4; iteration++) {
		if (leftLoss < rightLoss) {
			high = right;
			right = left;
			rightLoss = leftLoss;
			left = high - ratio * (high - low);
			leftLoss = loss(left);
		} else {
			low = left;
			left = right;
			leftLoss = rightLoss;
			right = low + ratio * (high - low);
			rightLoss = loss(right);
		}
	}
	return Math.exp((low + high) / 2);
}

/**
 * Expected calibration error with equal-width confidence bins: the weighted mean gap between
 * confidence and accuracy.
 */
export function expectedCalibrationError(
	confidences: ArrayLike<number>,
	correct: ArrayLike<boolean>,
	binCount = 15,
): number {
	const count = confidences.length;
	if (count === 0) return 0;
	const confidenceSum = new Float64Array(binCount);
	const correctSum = new Float64Array(binCount);
	const members = new Int32Array(binCount);
	for (let i = 0; i < count; i++) {
		const bin = Math.min(binCount - 1, Math.floor(confidences[i] * binCount));
		confidenceSum[bin] += confidences[i];
		correctSum[bin] += correct[i] ? 1 : 0;
		members[bin]++;
	}
	let error = 0;
	for (let bin = 0; bin < binCount; bin++) {
		if (members[bin] === 0) continue;
		error += Math.abs(confidenceSum[bin] - correctSum[bin]) / count;
	}
	return error;
}
