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

/**
 * Newton's method on β = 1/T: the NLL is convex in β, with gradient E_p[z] − z_y and curvature
 * Var_p[z] (p = softmax(βz)), so a few passes over the logits suffice. β stays inside the bounds.
 */
export function fitTemperature(
	logits: Float64Array,
	targets: Int32Array,
	classCount: number,
	bounds: { min: number; max: number } = { min: 0.05, max: 20 },
): number {
	const count = targets.length;
	if (count === 0) return 1;
	const minBeta = 1 / bounds.max;
	const maxBeta = 1 / bounds.min;
	let beta = 1;
	for (let iteration = 0; iteration < 50; iteration++) {
		let gradient = 0;
		let curvature = 0;
		for (let row = 0; row < count; row++) {
			const base = row * classCount;
			let max = -Infinity;
			for (let k = 0; k < classCount; k++) max = Math.max(max, beta * logits[base + k]);
			let sum = 0;
			let mean = 0;
			let meanSquare = 0;
			for (let k = 0; k < classCount; k++) {
				const logit = logits[base + k];
				const weight = Math.exp(beta * logit - max);
				sum += weight;
				mean += weight * logit;
				meanSquare += weight * logit * logit;
			}
			mean /= sum;
			gradient += mean - logits[base + targets[row]];
			curvature += meanSquare / sum - mean * mean;
		}
		if (curvature <= 1e-12) {
			// Saturated softmax: the NLL is flat but may still slope; follow the slope to the bound.
			if (gradient < 0) beta = maxBeta;
			else if (gradient > 0) beta = minBeta;
			break;
		}
		const step = gradient / curvature;
		const next = Math.min(maxBeta, Math.max(minBeta, beta - step));
		const converged = Math.abs(next - beta) < 1e-7 * beta;
		beta = next;
		if (converged) break;
	}
	return 1 / beta;
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
