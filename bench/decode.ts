export async function benchDecode(): Promise<void> {
  console.log('(not written yet)');
}
