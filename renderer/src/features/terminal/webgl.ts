// Whether the WebGL renderer is worth it: it needs WebGL2, and on a software rasterizer (headless
// Chromium, VMs without a GPU: SwiftShader, llvmpipe) xterm's DOM renderer is the faster one.
export function hardwareWebgl2(): boolean {
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(
      info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
    );
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return !/swiftshader|llvmpipe|software|softpipe|basic render/i.test(renderer);
  } catch {
    return false;
  }
}
