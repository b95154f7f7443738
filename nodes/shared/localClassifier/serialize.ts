/**
 * Compact binary form of a model for the store: "LCLF", a little-endian u32 header length, the
 * JSON header (labels, settings, metrics…), then the typed arrays, each 4-byte aligned.
 */
import { MODEL_FORMAT, modelVersion, type TrainedModel } from './model';
import { buildColumnIndex } from './vectorizer';

const MAGIC = 'LCLF';

interface Header {
	format: number;
	version: string;
	labels: string[];
	trainedAt: string;
	metrics: TrainedModel['metrics'];
	settings: TrainedModel['settings'];
	features: TrainedModel['features'];
	wordBlockWeight: number;
	temperature: number;
	uniformMix: number;
	/** Absent in models without an open-set label (and in every model stored before it existed). */
	openSet?: TrainedModel['openSet'];
	columnCount: number;
	classCount: number;
}

export function serializeModel(model: TrainedModel): Buffer {
	const header: Header = {
		format: model.format,
		version: model.version,
		labels: model.labels,
		trainedAt: model.trainedAt,
		metrics: model.metrics,
		settings: model.settings,
		features: model.features,
		wordBlockWeight: model.vectorizer.wordBlockWeight,
		temperature: model.temperature,
		uniformMix: model.uniformMix,
		openSet: model.openSet,
		columnCount: model.softmax.columnCount,
		classCount: model.softmax.classCount,
	};
	const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
	const headerPadded = align4(headerBytes.length);
	const arrays = [model.vectorizer.hashIds, model.vectorizer.idf, model.softmax.weights, model.softmax.bias];
	const bodyLength = arrays.reduce((sum, array) => sum + array.byteLength, 0);
	const buffer = Buffer.alloc(8 + headerPadded + bodyLength);
	buffer.write(MAGIC, 0, 'latin1');
	buffer.writeUInt32LE(headerBytes.length, 4);
	headerBytes.copy(buffer, 8);
	let offset = 8 + headerPadded;
	for (const array of arrays) {
		Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(buffer, offset);
		offset += array.byteLength;
	}
	return buffer;
}

export function deserializeModel(serialized: Buffer | Uint8Array | string): TrainedModel {
	const buffer =
		typeof serialized === 'string' ? Buffer.from(serialized, 'base64') : Buffer.from(serialized);
	if (buffer.length < 8 || buffer.toString('latin1', 0, 4) !== MAGIC) {
		throw new Error('Not a local classifier model: the stored bytes do not start with the model marker');
	}
	const headerLength = buffer.readUInt32LE(4);
	if (8 + headerLength > buffer.length) throw new Error('Local classifier model is truncated: retrain the model');
	let header: Header;
	try {
		header = JSON.parse(buffer.toString('utf8', 8, 8 + headerLength)) as Header;
	} catch (error) {
		throw new Error(`Local classifier model header is unreadable (${(error as Error).message}): retrain the model`);
	}
	if (header.format !== MODEL_FORMAT) {
		throw new Error(`Local classifier model format ${header.format} is not supported (expected ${MODEL_FORMAT}): retrain the model`);
	}
	let offset = 8 + align4(headerLength);
	// Copy into fresh, aligned buffers: Buffer pooling can leave the source unaligned.
	const take = <T extends Int32Array | Float32Array>(make: (length: number) => T, length: number): T => {
		const array = make(length);
		const byteLength = length * 4;
		if (offset + byteLength > buffer.length) throw new Error('Local classifier model is truncated: retrain the model');
		new Uint8Array(array.buffer).set(buffer.subarray(offset, offset + byteLength));
		offset += byteLength;
		return array;
	};
	const hashIds = take((length) => new Int32Array(length), header.columnCount);
	const idf = take((length) => new Float32Array(length), header.columnCount);
	const weights = take((length) => new Float32Array(length), header.columnCount * header.classCount);
	const bias = take((length) => new Float32Array(length), header.classCount);
	const model: TrainedModel = {
		format: header.format,
		version: header.version,
		labels: header.labels,
		trainedAt: header.trainedAt,
		metrics: header.metrics,
		settings: header.settings,
		features: header.features,
		vectorizer: {
			hashIds,
			idf,
			wordBlockWeight: header.wordBlockWeight,
			columnOf: buildColumnIndex(hashIds, header.features.hashBits),
		},
		softmax: { classCount: header.classCount, columnCount: header.columnCount, weights, bias },
		temperature: header.temperature,
		uniformMix: header.uniformMix,
	};
	if (header.openSet) model.openSet = header.openSet;
	if (modelVersion(model) !== header.version) {
		throw new Error('Local classifier model is corrupted: its content does not match its version; retrain the model');
	}
	return model;
}

function align4(length: number): number {
	return (length + 3) & ~3;
}
