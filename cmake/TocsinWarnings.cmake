# Warnings are errors everywhere in the project (gcc 12 and clang 14).
add_compile_options(-Wall -Wextra -Werror -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
                    -Wno-unused-parameter -Wno-missing-field-initializers)
if(TOCSIN_SANITIZE)
  add_compile_options(-fsanitize=${TOCSIN_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${TOCSIN_SANITIZE})
endif()
