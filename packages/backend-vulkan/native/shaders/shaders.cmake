# Every SPIR-V module the addon embeds: ix_shader(<name> <source> <storage buffers> [glslc defines...]).
# The binding count is checked against each dispatch the TypeScript side records.
set(IX_WEIGHT_TYPES F32 F16 Q8_0 Q4_0 Q4_K Q6_K)

function(ix_compile_shaders glslc src_dir out_dir out_table)
  set(names "")
  set(spvs "")
  set(bindings "")
  macro(ix_shader name source nbind)
    set(spv ${out_dir}/${name}.spv)
    set(defs "")
    foreach(d ${ARGN})
      list(APPEND defs "-D${d}")
    endforeach()
    add_custom_command(OUTPUT ${spv}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
      COMMAND ${glslc} -fshader-stage=compute --target-env=vulkan1.1 -O -Werror -I ${src_dir} ${defs} ${src_dir}/${source} -o ${spv}
      DEPENDS ${src_dir}/${source} ${src_dir}/common.glsl ${src_dir}/f16.glsl ${src_dir}/dequant.glsl ${src_dir}/reduce.glsl ${src_dir}/select.glsl
      COMMENT "glslc ${name}" VERBATIM)
    list(APPEND names ${name})
    list(APPEND spvs ${spv})
    list(APPEND bindings ${nbind})
  endmacro()

  foreach(t ${IX_WEIGHT_TYPES})
    string(TOLOWER ${t} lt)
    ix_shader(matvec_${lt} matvec.comp 3 W_${t})
    ix_shader(matmul_${lt} matmul.comp 3 W_${t})
    ix_shader(get_rows_${lt} get_rows.comp 3 W_${t})
    ix_shader(mul_mat_id_${lt} mul_mat_id.comp 4 W_${t})
  endforeach()
  ix_shader(gather gather.comp 3)
  ix_shader(weighted_sum weighted_sum.comp 3)
  ix_shader(sigmoid unary.comp 2 OP_SIGMOID)
  ix_shader(add binary.comp 3 OP_ADD)
  ix_shader(mul binary.comp 3 OP_MUL)
  ix_shader(swiglu binary.comp 3 OP_SWIGLU)
  ix_shader(scale unary.comp 2 OP_SCALE)
  ix_shader(silu unary.comp 2 OP_SILU)
  ix_shader(gelu unary.comp 2 OP_GELU)
  ix_shader(rms_norm norm.comp 2 RMS)
  ix_shader(layer_norm norm.comp 2 LAYER)
  ix_shader(softmax softmax.comp 2)
  ix_shader(rope rope.comp 5)
  ix_shader(attention_f32 attention.comp 4 KV_F32)
  ix_shader(attention_f16 attention.comp 4 KV_F16)
  ix_shader(concat_32 concat.comp 3 E32)
  ix_shader(concat_16 concat.comp 3 E16)
  # copy_* also serve view (copy_32 with an offset) and write_rows (into a cache row)
  ix_shader(copy_32 copy.comp 2 SRC_32 DST_32)
  ix_shader(copy_f32_f16 copy.comp 2 SRC_32 DST_F16)
  ix_shader(copy_f16_f32 copy.comp 2 SRC_F16 DST_32)
  ix_shader(copy_f16_f16 copy.comp 2 SRC_F16 DST_F16)
  ix_shader(argmax argmax.comp 2)
  ix_shader(top_k top_k.comp 2)

  set(table ${CMAKE_BINARY_DIR}/shader_table.cpp)
  add_custom_command(OUTPUT ${table}
    COMMAND ${CMAKE_COMMAND} "-DOUT=${table}" "-DNAMES=${names}" "-DSPVS=${spvs}" "-DBINDINGS=${bindings}"
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_spirv.cmake
    DEPENDS ${spvs} ${CMAKE_SOURCE_DIR}/cmake/embed_spirv.cmake
    COMMENT "embedding SPIR-V" VERBATIM)
  set(${out_table} ${table} PARENT_SCOPE)
endfunction()
