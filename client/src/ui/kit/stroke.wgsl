// The UI kit's mesh (draw.rs): vertex colours, and strokes whose long edges fade out over a
// pixel. A vertex's uv.y says where it is across a stroke: -1 on one edge, 1 on the other, 0
// for anything that is not a stroke (box fills and borders, which fade with a ring of their own).
// A vertex whose uv.x is 2 or more is a corner of a written line: uv - (2, 0) is where it is in
// the atlas of lines the text engine drew (premultiplied alpha; the vertex colour is white).
#import bevy_sprite::{mesh2d_vertex_output::VertexOutput, mesh2d_view_bindings::view}
#ifdef TONEMAP_IN_SHADER
#import bevy_core_pipeline::tonemapping
#endif
#ifdef SRGB_OUTPUT
#import bevy_render::color_operations::linear_to_srgb
#endif

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> tint: vec4<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var atlas: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(2) var atlas_sampler: sampler;

@fragment
fn fragment(mesh: VertexOutput) -> @location(0) vec4<f32> {
    var color = tint;
#ifdef VERTEX_COLORS
    color = color * mesh.color;
#endif
    // The last pixel before an edge fades: how far from the edge, in pixels (a derivative, so
    // taken in uniform control flow).
    let pixel = max(fwidth(mesh.uv.y), 1e-4);
    if mesh.uv.x > 1.5 {
        // Only written lines sample the atlas (level 0: no derivatives needed in the branch;
        // a software rasteriser would pay a filtered sRGB fetch for every pixel of the UI).
        let texel = textureSampleLevel(atlas, atlas_sampler, mesh.uv - vec2(2.0, 0.0), 0.0);
        color = color * vec4(texel.rgb / max(texel.a, 1e-4), texel.a);
    } else {
        color.a = color.a * clamp((1.0 - abs(mesh.uv.y)) / pixel, 0.0, 1.0);
    }
#ifdef TONEMAP_IN_SHADER
    color = tonemapping::tone_mapping(color, view.color_grading);
#endif
#ifdef SRGB_OUTPUT
    color = vec4(linear_to_srgb(color.rgb), color.a);
#endif
    return color;
}
