/**
 * The feedback loop: reviewers' decisions kept in the package store become labelled examples for the
 * local classifier. An approved item teaches its AI label, a corrected one the reviewer's label;
 * rejected items teach nothing (the text was out of scope, not mislabelled).
 */
import type { LabelledText } from '../localClassifier';
import type { ReviewItemCase } from '../review/case';
import type { ItemDecision } from '../review/decision';
import { getPath } from '../review/case';
import type { ReviewCase } from '../store';

interface StoredDecision {
	items?: ItemDecision[];
}

/** The reviewed text: the context field as shown on the page (`body.text`), or nested in it. */
function reviewedText(item: ReviewItemCase, textField: string): string | undefined {
	const value = textField in item.context ? item.context[textField] : getPath(item.context, textField);
	return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function examplesFromReviews(cases: ReviewCase[], textField: string, labels: string[]): LabelledText[] {
	const known = new Set(labels);
	const examples: LabelledText[] = [];
	for (const reviewCase of cases) {
		const items = (reviewCase.payload as { items?: ReviewItemCase[] } | undefined)?.items ?? [];
		const decisions = (reviewCase.decision as StoredDecision | undefined)?.items ?? [];
		for (const decision of decisions) {
			const item = items.find((candidate) => candidate.index === decision.index);
			if (!item || item.task !== 'classify') continue;
			const label = decision.decision === 'corrected' ? decision.label : decision.decision === 'approved' ? item.label : undefined;
			const text = reviewedText(item, textField);
			if (label && known.has(label) && text) examples.push({ text, label });
		}
	}
	return examples;
}
