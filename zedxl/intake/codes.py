"""The texts of intake's issue codes (Spanish, for the office that must fix the file), registered once."""

from __future__ import annotations

from zedxl.issues import CATALOGUE, IssueType, Severity, register


def _register(code: str, title: str, template: str, severity: Severity) -> None:
    kind = IssueType(code, title, template, severity)
    if code in CATALOGUE:  # module reloaded: the same definition is fine, a clash with another module is not
        if CATALOGUE[code] != kind:
            raise ValueError(f"duplicate issue code {code}")
        return
    register(code, title, template, severity)


_SAVE_AGAIN = "Vuelva a guardarlo en Excel como «Libro de Excel (.xlsx)» y envíelo de nuevo."

_USE_TEMPLATE = "Copie sus datos en la plantilla original, guárdela como «Libro de Excel (.xlsx)» y envíe ese archivo."

_OR_USE_TEMPLATE = "o c" + _USE_TEMPLATE[1:]  # after "Borre ... sobrante "

_CODES: tuple[tuple[str, str, str, Severity], ...] = (
    ("archivo-inaccesible", "Archivo ilegible",
     "«{file}» no se pudo leer ({detail}). Vuelva a enviarlo.", "error"),
    ("archivo-vacio", "Archivo vacío",
     "«{file}» es un archivo vacío (0 bytes): la descarga o el guardado se interrumpió. " + _SAVE_AGAIN, "error"),
    ("archivo-demasiado-grande", "Archivo demasiado grande",
     "«{file}» pesa {size}, más que el máximo permitido ({limit}). Elimine imágenes, hojas o filas que no son de la "
     "plantilla y vuelva a enviarlo.", "error"),
    ("archivo-truncado", "Archivo truncado",
     "«{file}» es un archivo truncado o incompleto (le falta el final): vuelva a enviarlo, adjuntando el libro "
     "guardado y cerrado.", "error"),
    ("archivo-temporal-bloqueo", "Archivo temporal de Excel/LibreOffice",
     "«{file}» es un archivo temporal que Excel o LibreOffice crea mientras el libro «{original}» está abierto; se "
     "omite. El libro puede seguir abierto o a medio guardar: ciérrelo y, si lo modificó, vuelva a enviarlo.", "aviso"),
    ("formato-xls-antiguo", "Formato .xls antiguo",
     "«{file}» es un .xls antiguo (Excel 97-2003): ábralo en Excel y guárdelo como «Libro de Excel (.xlsx)»; envíe "
     "ese archivo.", "error"),
    ("archivo-cifrado", "Archivo protegido con contraseña",
     "«{file}» está protegido con contraseña (cifrado) y no se puede leer: envíelo sin contraseña (en Excel: Archivo > "
     "Información > Proteger libro > Cifrar con contraseña, borre la contraseña y guarde).", "error"),
    ("formato-ods", "Hoja de cálculo OpenDocument",
     "«{file}» es una hoja de cálculo de LibreOffice/OpenOffice (.ods), no un libro de Excel. " + _USE_TEMPLATE,
     "error"),
    ("formato-xlsb", "Libro binario de Excel",
     "«{file}» es un Libro binario de Excel (.xlsb): ábralo en Excel y guárdelo como «Libro de Excel (.xlsx)».",
     "error"),
    ("formato-csv", "Archivo CSV",
     "«{file}» es un archivo de texto separado por «{delimiter}» (CSV), no un libro de Excel. " + _USE_TEMPLATE,
     "error"),
    ("formato-html", "Página web (HTML)",
     "«{file}» es una página web (HTML) exportada por otro sistema, no un libro de Excel. " + _USE_TEMPLATE, "error"),
    ("formato-xml-2003", "Hoja de cálculo XML 2003",
     "«{file}» es una «Hoja de cálculo XML 2003», no un libro de Excel actual: ábralo en Excel y guárdelo como "
     "«Libro de Excel (.xlsx)».", "error"),
    ("formato-texto", "Archivo de texto",
     "«{file}» es un archivo de texto, no un libro de Excel. " + _USE_TEMPLATE, "error"),
    ("formato-desconocido", "No es un libro de Excel",
     "«{file}» no es un libro de Excel ({detail}). " + _USE_TEMPLATE, "error"),
    ("zip-demasiadas-partes", "Demasiadas partes internas",
     "«{file}» contiene {count} partes internas (máximo {limit}): no es un libro de la plantilla y se rechaza sin "
     "abrirlo. " + _USE_TEMPLATE, "error"),
    ("zip-parte-demasiado-grande", "Parte interna demasiado grande",
     "«{file}»: la parte interna {part} ocupa {size} al descomprimirse (máximo {limit}); el archivo se rechaza sin "
     "abrirlo. Borre el contenido sobrante " + _OR_USE_TEMPLATE, "error"),
    ("zip-total-demasiado-grande", "Contenido descomprimido demasiado grande",
     "«{file}» ocupa {size} al descomprimirse (máximo {limit}); el archivo se rechaza sin abrirlo. Borre el contenido "
     "sobrante " + _OR_USE_TEMPLATE, "error"),
    ("zip-compresion-anomala", "Compresión anómala (bomba zip)",
     "«{file}»: la parte interna {part} se expande {ratio}:1 al descomprimirse (máximo {limit}:1), como un archivo "
     "malicioso («bomba zip»); se rechaza sin abrirlo. " + _USE_TEMPLATE, "error"),
    ("zip-parte-duplicada", "Parte interna duplicada",
     "«{file}» contiene dos veces la parte {part}: cada programa leería una distinta, así que se rechaza. "
     + _SAVE_AGAIN, "error"),
    ("zip-nombre-peligroso", "Nombre de parte peligroso",
     "«{file}» contiene una parte con un nombre peligroso («{part}»: ruta absoluta, con «..» o caracteres de "
     "control); se rechaza. " + _SAVE_AGAIN, "error"),
    ("zip-parte-cifrada", "Parte interna cifrada",
     "«{file}»: la parte {part} está cifrada y no se puede leer; envíe el libro sin contraseña. " + _SAVE_AGAIN,
     "error"),
    ("zip-corrupto", "Archivo dañado",
     "«{file}» está dañado: {part} no se puede leer ({detail}). " + _SAVE_AGAIN, "error"),
    ("paquete-parte-faltante", "Falta una parte del libro",
     "«{file}» está dañado: falta la parte {part} ({detail}). " + _SAVE_AGAIN, "error"),
    ("formato-strict-ooxml", "Formato Strict Open XML",
     "«{file}» está en formato Strict Open XML, que no se lee correctamente: guárdelo como Libro de Excel normal "
     "(Guardar como > «Libro de Excel (*.xlsx)», no «Hoja de cálculo Open XML strict»).", "error"),
    ("xml-dtd-prohibido", "Declaración DTD/ENTITY prohibida",
     "«{file}»: la parte {part} contiene una declaración {what}, que un libro de Excel nunca lleva (puede ser un "
     "ataque: expansión de entidades o lectura de archivos locales); se rechaza sin procesarla. " + _USE_TEMPLATE,
     "error"),
    ("xml-mal-formado", "XML dañado",
     "«{file}» está dañado: la parte {part} no es XML válido ({detail}). " + _SAVE_AGAIN, "error"),
    ("xml-parte-demasiado-grande", "Parte XML demasiado grande",
     "«{file}»: la parte {part} es demasiado grande o compleja para revisarla ({detail}); se rechaza sin abrirla. "
     "Borre el contenido sobrante " + _OR_USE_TEMPLATE, "error"),
    ("activo-macros", "Macros",
     "«{file}» contiene macros ({detail}): solo se leerán los valores; las macros no se ejecutan ni se copian. Si no "
     "las agregó usted, avise a soporte; para evitar este aviso guarde el libro como «Libro de Excel (.xlsx)».",
     "aviso"),
    ("activo-vinculo-externo", "Vínculo a otro libro",
     "«{file}» tiene vínculos a otro libro ({detail}): el valor guardado puede estar desactualizado y no es el que "
     "usted escribió. Rompa los vínculos (Datos > Editar vínculos > Romper vínculo) o pegue solo valores, y vuelva a "
     "enviarlo.", "error"),
    ("activo-vinculo-dde", "Vínculo DDE/OLE",
     "«{file}» contiene un vínculo DDE/OLE ({detail}), que puede ejecutar programas al abrir el libro; se rechaza. "
     "Borre esa fórmula o vínculo, escriba el valor y vuelva a enviarlo.", "error"),
    ("activo-conexion-datos", "Conexión de datos externa",
     "«{file}» contiene conexiones de datos externas ({detail}): los valores pueden venir de otra fuente. Elimínelas "
     "(Datos > Consultas y conexiones), pegue solo valores y vuelva a enviarlo.", "error"),
    ("activo-objeto-incrustado", "Objeto incrustado",
     "«{file}» contiene objetos incrustados o controles ({detail}): no se abren ni se copian. Si no los agregó usted, "
     "avise a soporte; para evitar este aviso elimínelos y vuelva a enviarlo.", "aviso"),
    ("activo-hipervinculo", "Hipervínculo peligroso",
     "«{file}», hoja «{sheet}», celda {ref}: hipervínculo a «{target}» (archivo local, red o script); no se abrirá ni "
     "se copiará. Bórrelo si no es necesario.", "aviso"),
    ("activo-recurso-externo", "Referencia a recurso externo",
     "«{file}»: la parte {part} apunta a un recurso externo «{target}» ({what}); no se abre ni se copia. Bórrelo si no "
     "es necesario.", "aviso"),
    ("activo-formula-externa", "Fórmula que consulta recursos externos",
     "«{file}», hoja «{sheet}», celda {cell}: la fórmula usa {function}, que consulta recursos fuera del libro; "
     "solo se tomará el valor guardado. Reemplácela por el valor si no es necesaria.", "aviso"),
    ("libro-demasiadas-hojas", "Demasiadas hojas",
     "«{file}» tiene {count} hojas (máximo {limit}): no es un libro de la plantilla. " + _USE_TEMPLATE, "error"),
    ("hoja-demasiadas-celdas", "Demasiadas celdas",
     "«{file}», hoja «{sheet}»: tiene más de {limit} celdas o filas, muchas más que la plantilla; se rechaza sin "
     "abrirlo. Borre las filas y columnas sobrantes " + _OR_USE_TEMPLATE, "error"),
    ("libro-demasiadas-celdas", "Demasiadas celdas en el libro",
     "«{file}»: el libro tiene más de {limit} celdas en total (se detuvo en la hoja «{sheet}»); se rechaza sin "
     "abrirlo. Borre las hojas o filas sobrantes " + _OR_USE_TEMPLATE, "error"),
    ("hoja-demasiados-rangos", "Demasiados rangos en una hoja",
     "«{file}», hoja «{sheet}»: tiene más de {limit} {what}, muchos más que la plantilla; se rechaza sin abrirlo. "
     "Quítelos " + _OR_USE_TEMPLATE, "error"),
    ("estilos-excesivos", "Estilos excesivos",
     "«{file}»: la parte {part} tiene {what} (máximo {limit}): suele venir de estilos copiados de otros libros o de "
     "un archivo manipulado, y se rechaza sin abrirlo. " + _USE_TEMPLATE, "error"),
    ("hoja-rango-usado-excesivo", "Datos demasiado lejos",
     "«{file}», hoja «{sheet}»: hay celdas usadas (con datos o formato) hasta {ref}, lo que abarca {area} celdas "
     "(máximo {limit}); se rechaza sin abrirlo. Borre las filas y columnas sobrantes lejos de la tabla (seleccione "
     "y elimine, no solo borre el contenido) y vuelva a enviarlo.", "error"),
    ("hoja-rango-combinado-excesivo", "Rango combinado o vinculado demasiado grande",
     "«{file}», hoja «{sheet}»: {what} {ref} abarca {area} celdas (máximo {limit} por hoja); se rechaza sin abrirlo. "
     "Quítelo y vuelva a enviarlo.", "error"),
    ("celda-fuera-de-cuadricula", "Celda fuera de la cuadrícula",
     "«{file}», hoja «{sheet}»: {ref} está fuera de la cuadrícula de Excel (máximo XFD1048576); el archivo "
     "fue manipulado o está dañado y se rechaza. " + _SAVE_AGAIN, "error"),
    ("celda-referencia-invalida", "Referencia de celda inválida",
     "«{file}», hoja «{sheet}»: referencia de celda inválida «{ref}»; el archivo fue manipulado o está dañado y se "
     "rechaza. " + _SAVE_AGAIN, "error"),
    ("hoja-dimension-falsa", "Dimensión declarada falsa",
     "«{file}», hoja «{sheet}»: la hoja declara el rango {declared} pero solo tiene datos hasta {actual}; se usará el "
     "rango real (no requiere acción).", "aviso"),
    ("numero-no-finito", "Número no válido",
     "«{file}», hoja «{sheet}», celda {cell}: el valor numérico «{value}» no es un número válido (NaN, infinito o "
     "texto); escriba un número y vuelva a enviarlo.", "aviso"),
    ("libro-demasiados-nombres", "Demasiados nombres definidos",
     "«{file}» tiene más de {limit} nombres definidos: no es un libro de la plantilla. " + _USE_TEMPLATE, "error"),
    ("revision-tiempo-agotado", "Revisión demasiado lenta",
     "«{file}»: la revisión tardó más de {limit} s y se detuvo en la parte {part}; el archivo se rechaza. "
     + _USE_TEMPLATE, "error"),
    ("revision-error-interno", "Error al revisar el archivo",
     "«{file}» no se pudo revisar ({detail}); el archivo se rechaza. " + _SAVE_AGAIN
     + " Si el problema continúa, avise a soporte.", "error"),
    ("revision-mas-problemas", "Más problemas del mismo tipo",
     "«{file}»: hay {count} problemas más del tipo «{what}» que no se muestran.", "aviso"),
)

for _code, _title, _template, _severity in _CODES:
    _register(_code, _title, _template, _severity)

#: Every code this module can emit.
INTAKE_CODES: tuple[str, ...] = tuple(c[0] for c in _CODES)
