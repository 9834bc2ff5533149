"""VBA projects written from source, every byte from the published specifications: ``compression`` ([MS-OVBA]
2.4.1), ``cfb`` ([MS-CFB] compound files), ``project`` (the project's streams) and ``sources`` (the Panel's button
macros and the installed xlwings' VBA).
"""

from zedxl.vba.project import VBAModule, VBAProject, build_vba_project
from zedxl.vba.sources import BUTTONS, BUTTONS_MODULE, PanelButton, buttons_source, master_project, xlwings_vba

__all__ = ["BUTTONS", "BUTTONS_MODULE", "PanelButton", "VBAModule", "VBAProject", "build_vba_project", "buttons_source",
           "master_project", "xlwings_vba"]
