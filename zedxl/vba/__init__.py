"""VBA projects written from source: MS-OVBA compression, an MS-CFB writer, and the master's macros.

    from zedxl.vba import master_project
    project, xlwings_version = master_project(["Hoja1", "Hoja2"])
    vba_bin = project.to_bytes()           # for XlsxWriter's add_vba_project(BytesIO(vba_bin), is_stream=True)

Modules: ``compression`` ([MS-OVBA] 2.4.1), ``cfb`` ([MS-CFB] compound files), ``project`` (the PROJECT, PROJECTwm,
_VBA_PROJECT, dir and module streams) and ``sources`` (the Panel's button macros and the installed xlwings' VBA).
Nothing here is copied from a file Excel wrote: every byte is produced from the published specifications.
"""

from zedxl.vba.project import VBAModule, VBAProject, build_vba_project
from zedxl.vba.sources import BUTTONS, BUTTONS_MODULE, PanelButton, buttons_source, master_project, xlwings_vba

__all__ = [
    "BUTTONS",
    "BUTTONS_MODULE",
    "PanelButton",
    "VBAModule",
    "VBAProject",
    "build_vba_project",
    "buttons_source",
    "master_project",
    "xlwings_vba",
]
