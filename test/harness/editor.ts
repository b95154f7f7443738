/**
 * Drives n8n's real editor in Chromium the way a person does: sign in, open a new workflow, search
 * the node panel, add nodes, open their panels, pick options, type values, save and execute. It
 * waits for what the editor shows (selectors, texts), never for fixed times. The data-test-id
 * attributes are those n8n's own end-to-end tests use; where 1.123 and 2.41 differ, both are tried.
 */
import type { Browser, Locator, Page } from 'playwright-core';

import { launchChromium } from './browser';
import { OWNER, type N8nInstance } from './n8n';

export const byTestId = (id: string) => `[data-test-id="${id}"]`;

export class Editor {
	private constructor(
		readonly n8n: N8nInstance,
		readonly browser: Browser,
		readonly page: Page,
	) {}

	static async open(n8n: N8nInstance): Promise<Editor> {
		const browser = await launchChromium();
		const page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
		// Generous: the machine may be shared, and the editor's first load is heavy.
		page.setDefaultTimeout(90_000);
		const editor = new Editor(n8n, browser, page);
		await editor.signIn();
		return editor;
	}

	async close() {
		await this.browser.close();
	}

	private async signIn() {
		await this.page.goto(new URL('signin', this.n8n.baseUrl).href);
		await this.page.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill(OWNER.email);
		await this.page.locator('input[type="password"]').first().fill(OWNER.password);
		await this.page.keyboard.press('Enter');
		await this.page.waitForURL((url) => !url.pathname.includes('signin'));
	}

	/** A new, empty workflow with a Manual Trigger, so that later nodes connect to it and it can run. */
	async newWorkflowWithManualTrigger() {
		await this.page.goto(new URL('workflow/new', this.n8n.baseUrl).href);
		await this.page.locator(byTestId('canvas-plus-button')).click();
		await this.searchNodePanel('Manual');
		await this.nodePanelItem('Manual Trigger').click();
		await this.canvasNode('When clicking').waitFor();
		await this.closeNdvIfOpen();
	}

	get searchBar(): Locator {
		return this.page.locator(byTestId('node-creator-search-bar'));
	}

	async searchNodePanel(query: string) {
		await this.searchBar.fill(query);
	}

	nodePanelItem(name: string): Locator {
		return this.page.locator(byTestId('node-creator-item-name'), { hasText: new RegExp(`^${name}$`) }).first();
	}

	/** Opens the node panel from the output "+" of a node on the canvas (the new node connects to it). */
	async openNodePanelAfter(nodeName: string) {
		const node = this.canvasNode(nodeName);
		await node.hover();
		await this.page.locator(byTestId('canvas-handle-plus')).last().click();
		await this.searchBar.waitFor();
	}

	/** Searches the panel, picks the node and, where it lists actions, the first or the given one. */
	async addNode(search: string, displayName: string, action?: string) {
		await this.searchNodePanel(search);
		await this.nodePanelItem(displayName).click();
		if (action) {
			await this.page.locator(byTestId('node-creator-action-item'), { hasText: action }).or(this.page.getByText(action, { exact: true })).first().click();
		} else {
			// 2.x shows a community node without actions on a details page with an "Add to workflow" button.
			const addButton = this.page.getByRole('button', { name: 'Add to workflow' });
			await this.ndv.or(addButton).first().waitFor();
			if (await addButton.isVisible()) await addButton.click();
		}
		await this.ndv.waitFor();
	}

	canvasNode(name: string): Locator {
		return this.page.locator(byTestId('canvas-node'), { hasText: name }).first();
	}

	/**
	 * The node's subtitle on the canvas, and whether the canvas shows it whole: no element around it
	 * that clips its content (overflow hidden, an ellipsis, a line clamp) is narrower or lower than it.
	 */
	async canvasSubtitle(name: string, subtitle: string): Promise<{ shown: boolean; whole: boolean }> {
		return await this.canvasNode(name).evaluate((node, text) => {
			type Box = { textContent: string | null; scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number; parentElement: unknown };
			type Style = { overflowX: string; overflowY: string; textOverflow: string };
			const styleOf = (globalThis as unknown as { getComputedStyle(element: unknown): Style }).getComputedStyle;
			const all = [node, ...Array.from(node.querySelectorAll('*'))] as unknown as Box[];
			const holders = all.filter((element) => (element.textContent ?? '').trim() === text);
			const innermost = holders[holders.length - 1];
			if (!innermost) return { shown: false, whole: false };
			let whole = true;
			for (let element: Box | null = innermost; element && element !== (node as unknown); element = element.parentElement as Box | null) {
				const style = styleOf(element);
				const clipsX = style.overflowX !== 'visible' || style.textOverflow === 'ellipsis';
				if (clipsX && element.scrollWidth > element.clientWidth + 1) whole = false;
				if (style.overflowY !== 'visible' && element.scrollHeight > element.clientHeight + 1) whole = false;
			}
			return { shown: true, whole };
		}, subtitle);
	}

	/** Whether the canvas marks the node with n8n's issue sign (parameters or credentials to fix). */
	async canvasNodeHasIssues(name: string): Promise<boolean> {
		return (await this.canvasNode(name).locator(byTestId('node-issues')).count()) > 0;
	}

	get ndv(): Locator {
		return this.page.locator(`${byTestId('ndv')}:visible`).first();
	}

	async openNode(name: string) {
		await this.canvasNode(name).dblclick();
		await this.ndv.waitFor();
	}

	async closeNdvIfOpen() {
		if (await this.ndv.isVisible()) await this.closeNdv();
	}

	async closeNdv() {
		await this.page.locator(byTestId('ndv-close-button')).or(this.page.locator(byTestId('back-to-canvas'))).first().click();
		await this.ndv.waitFor({ state: 'hidden' });
	}

	parameter(name: string): Locator {
		return this.ndv.locator(byTestId(`parameter-input-${name}`)).first();
	}

	/** The names of the parameters the panel shows, in order. */
	async shownParameters(): Promise<string[]> {
		const ids = await this.ndv
			.locator(`${byTestId('node-parameters')} [data-test-id^="parameter-input-"]`)
			.evaluateAll((elements) =>
				elements
					// The Settings tab's parameters are in the page too, out of sight.
					.filter((element) => (element as unknown as { offsetParent: unknown }).offsetParent !== null)
					.map((element) => element.getAttribute('data-test-id')!.slice('parameter-input-'.length)),
			);
		return [...new Set(ids)];
	}

	async selectOption(parameter: string, option: string) {
		await this.parameter(parameter).click();
		const dropdown = this.page.locator('.el-select-dropdown:visible, .el-popper:visible [role="listbox"]').last();
		const exact = new RegExp(`^\\s*${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
		// An option shows its name (the headline) and, below it, its description.
		const items = dropdown.locator('.el-select-dropdown__item, [role="option"]');
		await items.filter({ has: this.page.locator('.option-headline', { hasText: exact }) }).or(items.filter({ hasText: exact })).first().click();
		await this.page.locator('.el-select-dropdown:visible').first().waitFor({ state: 'hidden' }).catch(() => undefined);
		await this.parameter(parameter).locator('input').first().evaluate((input, text) => {
			if (!(input as unknown as { value: string }).value.includes(text as string)) throw new Error(`option ${text} not selected`);
		}, option);
	}

	async toggle(parameter: string) {
		await this.parameter(parameter).locator('.el-switch').first().click();
	}

	/** Types a fixed value into a text parameter (switching an expression parameter to Fixed first). */
	async fillText(parameter: string, value: string, at: Locator = this.ndv) {
		const input = at.locator(byTestId(`parameter-input-${parameter}`)).first();
		const item = input.locator('xpath=ancestor::*[@data-test-id="parameter-item"][1]');
		if ((await input.locator('.cm-content').count()) > 0) {
			await item.hover();
			await item.locator(byTestId('radio-button-fixed')).first().click();
		}
		const field = input.locator('textarea, input').first();
		await field.fill(value);
		await field.blur();
	}

	/** The parameters the panel marks as having an issue (a red triangle with its message). */
	async parameterIssues(): Promise<string[]> {
		return await this.ndv.locator(byTestId('parameter-issues')).evaluateAll((elements) => elements.map((element) => element.textContent ?? ''));
	}

	get credentialSelect(): Locator {
		return this.ndv.locator(byTestId('node-credentials-select')).first();
	}

	/** A picture of the open panel, its parameters scrolled to the top. */
	async screenshotNdv(file: string) {
		await this.ndv.locator(byTestId('node-parameters')).evaluate((element) => {
			for (let scrolled = element as unknown as { scrollTop: number; parentElement: unknown } | null; scrolled; scrolled = scrolled.parentElement as typeof scrolled) {
				scrolled.scrollTop = 0;
			}
		});
		await this.ndv.screenshot({ path: file });
	}

	/**
	 * Saves with the keyboard shortcut; returns the workflow's id once the editor shows its saved URL
	 * (what was saved is read through the API by the caller: 2.x also saves on its own).
	 */
	async save(): Promise<string> {
		await this.page.keyboard.press('Control+s');
		await this.page.waitForURL(/\/workflow\/(?!new)[^/?]+/);
		return /\/workflow\/([^/?]+)/.exec(this.page.url())![1];
	}

	async executeWorkflow() {
		await this.page.locator(byTestId('execute-workflow-button')).first().click();
	}
}
