import FairRecruitCLI

FairRecruitCommand.runMain()
