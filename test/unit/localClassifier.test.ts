import {
	deserializeModel,
	predict,
	serializeModel,
	trainClassifier,
	trainingFingerprint,
	TrainingInputError,
	unknownWordShare,
} from '../../nodes/shared/localClassifier';
import { expectedCalibrationError, fitTemperature, negativeLogLikelihood } from '../../nodes/shared/localClassifier/calibration';
import { defaultFeatureOptions, extractFeatures, lightStem } from '../../nodes/shared/localClassifier/features';
import { modelVersion } from '../../nodes/shared/localClassifier/model';
import { createRandom } from '../../nodes/shared/localClassifier/random';
import { computeLogits, trainSoftmax, type ClassCoupling } from '../../nodes/shared/localClassifier/softmaxRegression';
import { nameSharingGroups } from '../../nodes/shared/localClassifier/train';
import { supportCategories, supportTickets } from './fixtures/supportTickets';

describe('local classifier: training', () => {
	const model = trainClassifier(supportTickets, supportCategories);

	it('learns a tiny dataset', () => {
		const correct = supportTickets.filter((ticket) => predict(model, ticket.text).label === ticket.label);
		expect(correct.length).toBe(supportTickets.length);
		expect(predict(model, 'I want my money back for the double charge').label).toBe('billing');
		expect(predict(model, 'my parcel is late, where is the courier').label).toBe('shipping');
		expect(predict(model, 'cannot log in, password reset does not work').label).toBe('account_access');
	});

	it('returns a probability for every label, summing to one, with the chosen label most likely', () => {
		const prediction = predict(model, 'refund for the charge on my invoice');
		expect(Object.keys(prediction.scores).sort()).toEqual(['account_access', 'billing', 'shipping']);
		const total = Object.values(prediction.scores).reduce((sum, score) => sum + score, 0);
		expect(total).toBeCloseTo(1, 6);
		expect(prediction.confidence).toBe(Math.max(...Object.values(prediction.scores)));
		expect(prediction.confidence).toBe(prediction.scores[prediction.label]);
	});

	it('records its training metrics, including the fitted temperature', () => {
		expect(model.metrics.examples).toBe(supportTickets.length);
		expect(model.metrics.examplesPerLabel).toEqual({ billing: 12, shipping: 12, account_access: 12 });
		expect(model.metrics.calibrated).toBe(true);
		expect(model.metrics.coldStart).toBe(false);
		expect(model.metrics.cvAccuracy).toBeGreaterThan(0.5);
		expect(model.metrics.temperature).toBe(model.temperature);
		expect(model.temperature).not.toBe(1);
		expect(model.labels).toEqual(['billing', 'shipping', 'account_access']);
	});

	it('is deterministic: the same data and seed give the same model version', () => {
		const again = trainClassifier(supportTickets, supportCategories);
		expect(again.version).toBe(model.version);
		expect(again.version).toMatch(/^local-[0-9a-f]{16}$/);
		const otherSeed = trainClassifier(supportTickets, supportCategories, { seed: 2 });
		expect(otherSeed.version).not.toBe(model.version);
		const moreData = trainClassifier(
			[...supportTickets, { text: 'Where is my refund', label: 'billing' }],
			supportCategories,
		);
		expect(moreData.version).not.toBe(model.version);
	});

	it('still trains with one example per class, with damped confidence because nothing could be held out', () => {
		const oneEach = ['billing', 'shipping', 'account_access'].map(
			(label) => supportTickets.find((ticket) => ticket.label === label)!,
		);
		const few = trainClassifier(oneEach, supportCategories);
		expect(few.metrics.calibrated).toBe(false);
		expect(few.uniformMix).toBeGreaterThan(0);
		expect(predict(few, 'refund the duplicate charge').label).toBe('billing');
		expect(predict(few, 'refund the duplicate charge').confidence).toBeLessThan(0.8);
	});
});

describe('local classifier: cold start from category names and descriptions', () => {
	const model = trainClassifier([], supportCategories);

	it('picks the obvious class with an honestly low confidence', () => {
		const prediction = predict(model, 'my parcel delivery is delayed and the tracking number is wrong');
		expect(prediction.label).toBe('shipping');
		expect(prediction.confidence).toBeGreaterThan(1 / 3);
		expect(prediction.confidence).toBeLessThan(0.7);
		expect(predict(model, 'I need to reset my password').label).toBe('account_access');
		expect(model.metrics.coldStart).toBe(true);
		expect(model.metrics.calibrated).toBe(false);
	});

	it('works from names alone when they are identifiers', () => {
		const fromNames = trainClassifier([], [{ name: 'card_arrival' }, { name: 'exchangeRate' }, { name: 'pin-blocked' }]);
		expect(predict(fromNames, 'what is the exchange rate today').label).toBe('exchangeRate');
		expect(predict(fromNames, 'my pin is blocked').label).toBe('pin-blocked');
	});
});

describe('local classifier: calibration', () => {
	it('temperature scaling lowers the ECE of overconfident logits', () => {
		// 3 classes, 70% of argmaxes right, but logits so sharp that confidence is ≈ 0.99.
		const random = createRandom(7);
		const count = 2000;
		const classCount = 3;
		const logits = new Float64Array(count * classCount);
		const targets = new Int32Array(count);
		for (let row = 0; row < count; row++) {
			const target = Math.floor(random() * classCount);
			targets[row] = target;
			const predicted = random() < 0.7 ? target : (target + 1 + Math.floor(random() * 2)) % classCount;
			for (let k = 0; k < classCount; k++) logits[row * classCount + k] = random();
			logits[row * classCount + predicted] += 6 + random() * 3;
		}
		const eceAt = (temperature: number) => {
			const confidences: number[] = [];
			const correct: boolean[] = [];
			for (let row = 0; row < count; row++) {
				const values = Array.from(logits.subarray(row * classCount, (row + 1) * classCount), (v) => v / temperature);
				const max = Math.max(...values);
				const exps = values.map((v) => Math.exp(v - max));
				const sum = exps.reduce((a, b) => a + b, 0);
				const best = values.indexOf(max);
				confidences.push(exps[best] / sum);
				correct.push(best === targets[row]);
			}
			return expectedCalibrationError(confidences, correct);
		};
		const temperature = fitTemperature(logits, targets, classCount);
		expect(temperature).toBeGreaterThan(1);
		expect(eceAt(1)).toBeGreaterThan(0.2);
		expect(eceAt(temperature)).toBeLessThan(0.05);
	});

	it('the trained model reports a held-out ECE no worse than before calibration', () => {
		const model = trainClassifier(supportTickets, supportCategories);
		expect(model.metrics.ece).toBeDefined();
		expect(model.metrics.ece!).toBeLessThanOrEqual(model.metrics.eceBeforeCalibration! + 1e-9);
	});

	it('ECE is zero when confidence matches accuracy bin by bin', () => {
		expect(expectedCalibrationError([1, 1, 0.5, 0.5], [true, true, true, false])).toBeCloseTo(0, 10);
		expect(expectedCalibrationError([0.9, 0.9], [false, false])).toBeCloseTo(0.9, 10);
	});
});

describe('local classifier: serialization', () => {
	const model = trainClassifier(supportTickets, supportCategories);
	const probes = ['double charge on my card', 'courier lost the box', 'locked out of my account', 'hello there'];

	it('round-trips to identical predictions, as bytes and as base64', () => {
		const bytes = serializeModel(model);
		expect(Buffer.isBuffer(bytes)).toBe(true);
		for (const restored of [deserializeModel(bytes), deserializeModel(bytes.toString('base64'))]) {
			expect(restored.version).toBe(model.version);
			expect(restored.labels).toEqual(model.labels);
			expect(restored.metrics).toEqual(model.metrics);
			for (const probe of probes) expect(predict(restored, probe)).toEqual(predict(model, probe));
		}
	});

	it('rejects bytes that are not a model, or a model whose content was altered', () => {
		expect(() => deserializeModel(Buffer.from('not a model at all'))).toThrow(/Not a local classifier model/);
		const bytes = serializeModel(model);
		bytes[bytes.length - 1] ^= 0xff;
		expect(() => deserializeModel(bytes)).toThrow(/corrupted/);
		expect(() => deserializeModel(serializeModel(model).subarray(0, 200))).toThrow(/truncated/);
	});
});

describe('local classifier: bad inputs', () => {
	it('rejects training without categories, or with one', () => {
		expect(() => trainClassifier(supportTickets, [])).toThrow(TrainingInputError);
		expect(() => trainClassifier(supportTickets, [])).toThrow(/No categories/);
		expect(() => trainClassifier([], [{ name: 'only' }])).toThrow(/at least two categories/);
		expect(() => trainClassifier([], [{ name: 'a' }, { name: 'a' }])).toThrow(/defined twice/);
		expect(() => trainClassifier([], [{ name: 'a' }, { name: ' ' }])).toThrow(/Category 2 has no name/);
	});

	it('names the training example with an empty text or an unknown label', () => {
		expect(() =>
			trainClassifier([...supportTickets, { text: '  ', label: 'billing' }], supportCategories),
		).toThrow(/Training example 37 has an empty text/);
		expect(() =>
			trainClassifier([{ text: 'where is my refund', label: 'refunds' }], supportCategories),
		).toThrow(/Training example 1 has the label "refunds", which is not one of the categories/);
	});

	it('refuses to classify an empty text', () => {
		const model = trainClassifier([], supportCategories);
		expect(() => predict(model, '')).toThrow(/empty text/);
		expect(() => predict(model, '   \n')).toThrow(/empty text/);
	});
});

describe('local classifier: options', () => {
	const model = () => trainClassifier(supportTickets, supportCategories);
	it('rejects out-of-range training options with the option named', () => {
		expect(() => trainClassifier([], supportCategories, { hashBits: 30 })).toThrow(/hashBits is 30: it must be an integer from 10 to 24/);
		expect(() => trainClassifier([], supportCategories, { epochs: 0 })).toThrow(/epochs is 0/);
		expect(() => trainClassifier([], supportCategories, { charNgramMin: 4, charNgramMax: 3 })).toThrow(/charNgramMax/);
	});

	it('fits one held-out half for calibration from 8,000 examples, every fold below that or when folds are chosen', () => {
		const many = Array.from({ length: 8000 }, (_, i) => ({ ...supportTickets[i % supportTickets.length], text: `${supportTickets[i % supportTickets.length].text} ${i}` }));
		const large = trainClassifier(many, supportCategories, { epochs: 1 });
		expect(large.settings).toMatchObject({ folds: 2, foldsFitted: 1 });
		expect(large.metrics.calibrationExamples).toBeGreaterThan(3900);
		expect(large.metrics.calibrationExamples).toBeLessThan(4100);
		expect(trainClassifier(many, supportCategories, { epochs: 1, folds: 2 }).metrics.calibrationExamples).toBe(8000);
		expect(model().metrics.calibrationExamples).toBe(supportTickets.length);
		expect(() => trainClassifier(supportTickets, supportCategories, { folds: 3, foldsFitted: 4 })).toThrow(/foldsFitted is 4: it must be an integer from 1 to folds/);
	});

	it('accepts custom feature options and keeps them in the model', () => {
		const model = trainClassifier(supportTickets, supportCategories, { hashBits: 16, charNgramMax: 5 });
		expect(model.features).toEqual({ hashBits: 16, charNgramMin: 3, charNgramMax: 5, wordBigrams: true, wordStems: true });
		const restored = deserializeModel(serializeModel(model));
		expect(predict(restored, 'refund my charge')).toEqual(predict(model, 'refund my charge'));
	});
});

describe('local classifier: word stems', () => {
	it('strips common English suffixes and leaves other words alone', () => {
		expect(['arrived', 'arrives', 'arriving', 'arrive'].map(lightStem)).toEqual(['arriv', 'arriv', 'arriv', 'arriv']);
		expect(['charges', 'charged', 'charge'].map(lightStem)).toEqual(['charg', 'charg', 'charg']);
		expect(['cards', 'card', "card's"].map(lightStem)).toEqual(['card', 'card', 'card']);
		expect(['stopped', 'stopping', 'topped', 'verified', 'currencies'].map(lightStem)).toEqual(['stop', 'stop', 'top', 'verify', 'currency']);
		expect(['access', 'status', 'this', 'billed', 'passes', 'arrival', 'pin'].map(lightStem)).toEqual([
			'access', 'status', 'this', 'bill', 'pass', 'arrival', 'pin',
		]);
	});

	it('gives inflected forms a common word feature, besides the words themselves', () => {
		const options = { ...defaultFeatureOptions, wordBigrams: false };
		const shared = (a: string, b: string, wordStems: boolean) => {
			const first = new Set(extractFeatures(a, { ...options, wordStems }).words.ids);
			return [...extractFeatures(b, { ...options, wordStems }).words.ids].filter((id) => first.has(id)).length;
		};
		expect(shared('arrived', 'arrives', true)).toBe(1);
		expect(shared('arrived', 'arrives', false)).toBe(0);
		expect(extractFeatures('arrived', { ...options, wordStems: true }).words.ids).toHaveLength(2);
		expect(extractFeatures('card', { ...options, wordStems: true }).words.ids).toHaveLength(1);
	});

	it('a stored model from before word stems (no wordStems, no nameSharing) still loads and predicts without them', () => {
		const model = trainClassifier(supportTickets, supportCategories, { wordStems: false, nameSharing: 0 });
		const { wordStems: _features, ...oldFeatures } = model.features;
		const { nameSharing: _settings, ...oldSettings } = model.settings;
		const old = { ...model, features: oldFeatures, settings: oldSettings };
		old.version = modelVersion(old);
		const restored = deserializeModel(serializeModel(old));
		expect(restored.features).not.toHaveProperty('wordStems');
		for (const text of ['my parcels arrived damaged', 'refunds were charged twice']) {
			expect(predict(restored, text)).toEqual(predict(model, text));
		}
	});
});

describe('local classifier: categories whose names share a word share weights', () => {
	it('groups categories by the words their names share, ignoring descriptions', () => {
		const coupling = nameSharingGroups(
			[
				{ name: 'card_arrival', description: 'the new card has not arrived' },
				{ name: 'cardLinking' },
				{ name: 'lost_or_stolen_card' },
				{ name: 'top_up_failed', description: 'a card top-up failed' },
				{ name: 'top_up_limits' },
				{ name: 'exchange_rate' },
			],
			0.3,
		)!;
		const members = coupling.membersOfGroup.map((group) => [...group]);
		expect(members).toEqual([[0, 1, 2], [3, 4], [3, 4]]);
		expect(coupling.groupsOfClass.map((groups) => [...groups])).toEqual([[0], [0], [0], [1, 2], [1, 2], []]);
		expect(coupling.rate).toBe(0.3);
	});

	it('makes no groups from unshared words, from a word in every name, or when sharing is off', () => {
		expect(nameSharingGroups([{ name: 'billing' }, { name: 'shipping' }], 0.3)).toBeUndefined();
		expect(nameSharingGroups([{ name: 'intent_a' }, { name: 'intent_b' }], 0.3)).toBeUndefined();
		expect(nameSharingGroups([{ name: 'card_a' }, { name: 'card_b' }, { name: 'other' }], 0)).toBeUndefined();
	});

	it('what an example teaches its class carries partly to the classes of its group', () => {
		// Feature k is the evidence of class k; classes 0 and 1 form a group, 2 stands alone.
		const rows = Array.from({ length: 9 }, (_, index) => ({ columns: Int32Array.from([index % 3]), values: Float32Array.from([1]) }));
		const targets = Int32Array.from(rows.map((_, index) => index % 3));
		const coupling: ClassCoupling = {
			membersOfGroup: [Int32Array.from([0, 1])],
			groupsOfClass: [Int32Array.from([0]), Int32Array.from([0]), new Int32Array(0)],
			rate: 0.5,
		};
		const options = { epochs: 10, learningRate: 1, l2: 0, seed: 1 };
		const logitsOfClass0Evidence = (coupled?: ClassCoupling) => {
			const trained = trainSoftmax(rows, targets, 3, 3, options, coupled);
			const logits = new Float64Array(3);
			computeLogits(trained.weights, trained.bias, 3, rows[0], 1, logits);
			return logits;
		};
		const alone = logitsOfClass0Evidence();
		expect(Math.abs(alone[1] - alone[2])).toBeLessThan(0.15);
		const shared = logitsOfClass0Evidence(coupling);
		expect(shared[0]).toBeGreaterThan(shared[1]);
		expect(shared[1] - shared[2]).toBeGreaterThan(0.4);
	});

	it('rejects a sharing rate outside 0–1', () => {
		expect(() => trainClassifier([], supportCategories, { nameSharing: 2 })).toThrow(/nameSharing is 2: it must be a number from 0 to 1/);
	});
});

describe('local classifier: temperature fitting', () => {
	it('finds the NLL minimum (checked against a fine grid) and stays within bounds', () => {
		const random = createRandom(11);
		const classCount = 4;
		const count = 500;
		const logits = new Float64Array(count * classCount);
		const targets = new Int32Array(count);
		for (let row = 0; row < count; row++) {
			targets[row] = Math.floor(random() * classCount);
			for (let k = 0; k < classCount; k++) logits[row * classCount + k] = random() * 2;
			if (random() < 0.6) logits[row * classCount + targets[row]] += 1.5;
		}
		const temperature = fitTemperature(logits, targets, classCount);
		let bestOnGrid = 1;
		for (let t = 0.05; t <= 20; t *= 1.01) {
			if (negativeLogLikelihood(logits, targets, classCount, t) < negativeLogLikelihood(logits, targets, classCount, bestOnGrid)) bestOnGrid = t;
		}
		expect(Math.abs(Math.log(temperature / bestOnGrid))).toBeLessThan(0.011);
		// Logits that are always right: the NLL keeps falling as T → 0, so the bound stops it.
		expect(fitTemperature(Float64Array.from([5, 0, 0, 5]), Int32Array.from([0, 1]), 2)).toBeCloseTo(0.05, 6);
	});
});

describe('local classifier: training fingerprint', () => {
	it('is equal for equal inputs and changes with any example, category or option', () => {
		const key = trainingFingerprint(supportTickets, supportCategories, { seed: 1, epochs: 5 });
		expect(trainingFingerprint([...supportTickets], [...supportCategories], { epochs: 5, seed: 1 })).toBe(key);
		const relabelled = supportTickets.map((ticket, index) => (index === 0 ? { ...ticket, label: 'shipping' } : ticket));
		expect(trainingFingerprint(relabelled, supportCategories, { seed: 1, epochs: 5 })).not.toBe(key);
		expect(trainingFingerprint(supportTickets, supportCategories.slice(0, 2), { seed: 1, epochs: 5 })).not.toBe(key);
		expect(trainingFingerprint(supportTickets, supportCategories, { seed: 2, epochs: 5 })).not.toBe(key);
	});
});

describe('local classifier: unknown word share (input drift)', () => {
	const model = trainClassifier(supportTickets, supportCategories);

	it('is the share of word occurrences without a column: 0 for training words, 1 for words never seen', () => {
		const known = supportTickets[0].text;
		expect(unknownWordShare(model, known)).toBeLessThan(0.2);
		expect(unknownWordShare(model, 'zxqvb florp quaggle')).toBe(1);
		const half = unknownWordShare(model, `${known} ${known.split(/\s+/).map((_, i) => `zzq${i}x`).join(' ')}`);
		expect(half).toBeGreaterThan(0.4);
		expect(half).toBeLessThan(0.6);
		expect(unknownWordShare(model, '!!! ...')).toBe(0);
	});
});
