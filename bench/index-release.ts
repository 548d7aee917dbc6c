export async function benchIndexRelease(): Promise<void> {
  console.log('(not written yet)');
}
