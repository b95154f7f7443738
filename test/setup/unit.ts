/** The unit layer needs nothing beyond npm. */
export default async function setup(): Promise<void> {}
